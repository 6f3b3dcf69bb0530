import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { RunningPostgres, startPostgresServer } from '../src/dev/embedded/postgres-server';
import { migrate } from '../src/modules/database/migrate';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { resultOf, startTestApp, TestApp } from './harness/app';
import { eventually } from './harness/wait';

/**
 * Its own PostgreSQL, so stopping it disturbs no other test: the indexing job must fail while the
 * database is away, be retried by BullMQ, and succeed once the database is back.
 */
describe('indexing while the database is down', () => {
  let dir: string;
  let pg: RunningPostgres | undefined;
  let app: TestApp | undefined;
  const database = 'ethico_outage';

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'outage-'));
    chmodSync(dir, 0o755);
    pg = await startPostgresServer({ dir, database });
    await migrate(pg.url);
    app = await startTestApp({ APP_ROLE: 'worker', WORKER_QUEUES: 'indexing', DATABASE_URL: pg.url });
  });
  afterAll(async () => {
    await app?.close();
    await pg?.stop();
  });

  it('retries a job that failed on a stopped database and completes it once the database is back', async () => {
    const org = 'org-outage';
    const client = new Client({ connectionString: pg!.url });
    await client.connect();
    const {
      rows: [{ id }],
    } = await client.query<{ id: string }>(
      `INSERT INTO cases (organization_id, number, title, description) VALUES ($1, 1, 'Outage case', 'survives restarts') RETURNING id`,
      [org],
    );
    await client.end();

    const port = pg!.port;
    await pg!.stop();
    // Added directly to set a short backoff; the queue's own policy waits 5 s between attempts.
    const queue = app!.context.get(JobsService).queue('indexing');
    const job = await queue.add(
      'create',
      { organizationId: org, operation: 'create', entityType: 'case', entityId: id, data: { version: 1 } },
      { attempts: 30, backoff: { type: 'fixed', delay: 300 } },
    );
    const failing = await eventually(async () => {
      const j = await queue.getJob(job.id!);
      return j && j.attemptsMade >= 2 ? j : undefined;
    }, 20_000);
    expect(failing.failedReason).toMatch(/ECONNREFUSED|connect|terminat/i);
    expect(await failing.getState()).not.toBe('failed');

    pg = await startPostgresServer({ dir, port, database });
    // State first, then the job: a job read before it completed lacks its return value.
    const done = await eventually(async () => (await queue.getJobState(job.id!)) === 'completed' && queue.getJob(job.id!), 20_000);
    expect(await resultOf(app!, done)).toEqual({ outcome: 'indexed', version: 1 });
    expect(done.attemptsMade).toBeGreaterThanOrEqual(3);

    const check = new Client({ connectionString: pg.url });
    await check.connect();
    const { rows } = await check.query(`SELECT version, title FROM search_documents WHERE organization_id = $1 AND entity_id = $2`, [
      org,
      id,
    ]);
    await check.end();
    expect(rows).toEqual([{ version: 1, title: 'Outage case' }]);
  });
});
