import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { RunningPostgres, startPostgresServer } from '../../src/dev/embedded/postgres-server';
import { adminAuth } from '../harness/http';
import { spawnBackend, waitForOutput } from '../harness/processes';
import { eventually } from '../harness/wait';
import { Cluster } from './cluster';
import { pendingCount } from './ledger';
import { post } from './load';
import { record } from './report';
import { scale } from './scale';

jest.setTimeout(scale(240_000, 900_000));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * PostgreSQL goes away while cases are written and indexed by a real indexing worker. Writes during
 * the outage answer 503; indexing jobs retry with the queue's policy (3 attempts, 5 s apart) or land
 * in the dead-letter queue and are indexed on replay. In the end the index matches the cases table.
 */
describe('chaos: PostgreSQL outage', () => {
  let pg: RunningPostgres | undefined;
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
    await pg?.stop();
  });

  it('indexes every case that was written, through retries or a replay', async () => {
    const dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'chaos-pg-'));
    chmodSync(dir, 0o755);
    pg = await startPostgresServer({ dir, database: 'ethico_chaos' });
    const port = pg.port;
    cluster = new Cluster({ DATABASE_URL: pg.url });
    await cluster.startApi();
    const worker = spawnBackend({ ...cluster.env, APP_ROLE: 'worker', WORKER_QUEUES: 'indexing', LOG_LEVEL: 'info' });
    cluster.workers.push(worker);
    await waitForOutput(worker, 'consuming indexing');

    const total = scale(300, 2_000);
    const outageMs = scale(4_000, 15_000);
    const statuses: Record<number, number> = {};
    let written = 0;
    const writer = (async () => {
      for (let i = 0; i < total; i++) {
        const res = await post(
          `${cluster.url}/api/v1/cases`,
          { title: `Chaos case ${i}`, description: `written during the database drill ${i}` },
          {
            authorization: `Bearer ${cluster.token}`,
          },
        ).catch(() => ({ status: -1, body: '' }));
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 201) written++;
        if (res.status !== 201) await sleep(50);
      }
    })();
    await eventually(async () => written >= total / 4, 60_000, 20);
    await pg.stop();
    const downAt = Date.now();
    await sleep(outageMs);
    pg = await startPostgresServer({ dir, database: 'ethico_chaos', port });
    const upAt = Date.now();
    await writer;

    if (cluster.api!.process.exitCode !== null) throw new Error(`the API process exited:\n${cluster.api!.output().slice(-3000)}`);
    const indexing = cluster.queue('indexing');
    // Committed cases' jobs wait in the job outbox until the relay enqueues them: both must drain.
    const outboxPending = async () => {
      const c = new Client({ connectionString: pg!.url });
      await c.connect();
      try {
        const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM job_outbox WHERE sent_at IS NULL AND rejected_at IS NULL`);
        return Number(r.rows[0].n);
      } finally {
        await c.end();
      }
    };
    await eventually(async () => (await outboxPending()) === 0 && (await pendingCount(indexing)) === 0, scale(90_000, 300_000), 250);
    const dlq = await request(cluster.url).get('/admin/api/dead-letter').query({ queue: 'indexing', limit: 500 }).set(adminAuth());
    const deadLettered: number = dlq.body.total;
    const replay = await request(cluster.url).post('/admin/api/dead-letter/replay').send({ queue: 'indexing' }).set(adminAuth());
    await eventually(async () => (await pendingCount(indexing)) === 0, 60_000, 250);

    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const { rows } = await client.query<{ cases: string; indexed: string; stale: string }>(
      `SELECT
         (SELECT count(*) FROM cases WHERE organization_id = $1) AS cases,
         (SELECT count(*) FROM cases c JOIN search_documents d
            ON d.organization_id = c.organization_id AND d.entity_type = 'case' AND d.entity_id = c.id::text AND d.version = c.version
          WHERE c.organization_id = $1) AS indexed,
         (SELECT count(*) FROM cases c LEFT JOIN search_documents d
            ON d.organization_id = c.organization_id AND d.entity_type = 'case' AND d.entity_id = c.id::text
          WHERE c.organization_id = $1 AND (d.version IS NULL OR d.version < c.version)) AS stale`,
      ['org-chaos'],
    );
    await client.end();
    const figures = {
      total,
      outageMs: upAt - downAt,
      statuses,
      written,
      cases: Number(rows[0].cases),
      indexed: Number(rows[0].indexed),
      deadLettered,
      replayed: replay.body.replayed,
    };
    record('postgres-outage', figures);

    expect(Object.keys(statuses).filter((s) => s !== '201' && s !== '503')).toEqual([]);
    expect(statuses[503]).toBeGreaterThan(0);
    expect(figures.cases).toBe(written);
    expect(figures.indexed).toBe(written);
    expect(Number(rows[0].stale)).toBe(0);
  });
});
