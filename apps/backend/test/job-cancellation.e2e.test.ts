import { QueueEvents } from 'bullmq';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { RawEnv } from '../src/config/configuration';
import { DatabaseService } from '../src/modules/database/database.service';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { WorkerFailuresListener } from '../src/modules/jobs/runtime/worker-failures.listener';
import { startTestApp, TestApp } from './harness/app';
import { redisEnv, testEnv } from './harness/config';
import { bearer } from './harness/http';
import { Child, spawnFixture, waitForOutput } from './harness/processes';
import { eventually } from './harness/wait';
import { quickStallWorkers } from './fixtures/quick-stall.processors';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';

const CASES = 60_000;
const org = `org-cancel-${Date.now().toString(36)}`;

/** Cancelling running jobs in another worker process: exports, a reindex, and a worker killed after the cancel. */
describe('cancelling a running job in another process', () => {
  let env: RawEnv;
  let api: TestApp;
  let db: DatabaseService;
  let events: QueueEvents;
  let indexingEvents: QueueEvents;
  let worker: Child | undefined;
  const seen = new Map<string, { event: string; at: number; data?: unknown }[]>();
  const note = (event: string) => (args: { jobId: string; data?: unknown }) =>
    seen.set(args.jobId, [...(seen.get(args.jobId) ?? []), { event, at: Date.now(), data: args.data }]);

  const startWorker = async () => {
    const child = spawnFixture('reports-worker.main.ts', { ...env, APP_ROLE: 'worker', WORKER_QUEUES: 'reports,indexing' });
    await waitForOutput(child, 'ready', 60_000);
    return child;
  };
  const firstProgress = (id: string) =>
    eventually(async () => seen.get(id)?.some((e) => e.event === 'progress' && (e.data as { rows: number }).rows > 0), 30_000, 20);
  const failedAt = (id: string, timeoutMs: number) =>
    eventually(async () => seen.get(id)?.find((e) => e.event === 'failed')?.at, timeoutMs, 10);

  beforeAll(async () => {
    // Both jobs paced (a pause after each batch), so that they are surely still running when cancelled.
    env = testEnv({ SEARCH_REINDEX_BATCH_SIZE: '100', SEARCH_REINDEX_PAUSE_MS: '100', REPORT_BATCH_PAUSE_MS: '100', TEST_LOCK_MS: '2000' });
    api = await startTestApp({ ...env, APP_ROLE: 'api' });
    db = api.context.get(DatabaseService);
    const redis = redisEnv();
    const connection = { host: redis.REDIS_HOST, port: Number(redis.REDIS_PORT) };
    events = new QueueEvents('reports', { connection, prefix: queuePrefix(api.config.queue.prefix, 'reports') });
    indexingEvents = new QueueEvents('indexing', { connection, prefix: queuePrefix(api.config.queue.prefix, 'indexing') });
    for (const e of [events, indexingEvents]) {
      e.on('progress', note('progress'));
      e.on('failed', note('failed'));
      e.on('completed', note('completed'));
      e.on('active', note('active'));
    }
    await Promise.all([events.waitUntilReady(), indexingEvents.waitUntilReady()]);
    await db.query(
      `INSERT INTO cases (organization_id, number, title, description)
       SELECT $1, g, 'Case ' || g, 'Reported on line ' || g || ' ' || md5(g::text) FROM generate_series(1, $2::int) g`,
      [org, CASES],
    );
    worker = await startWorker();
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await events.close();
    await indexingEvents.close();
    await api.close();
  });

  const cancel = (queue: string, id: string) => request(api.url!).delete(`/api/v1/jobs/${queue}/${id}`).set(bearer(org));
  const view = async (queue: string, id: string) => (await request(api.url!).get(`/api/v1/jobs/${queue}/${id}`).set(bearer(org))).body;

  it('stops an active export within a second of DELETE, as cancelled: no retry, no dead letter, no file', async () => {
    const res = await request(api.url!).post('/api/v1/jobs/reports').set(bearer(org)).send({ format: 'csv' });
    const id: string = res.body.id;
    await firstProgress(id);
    const asked = Date.now();
    const answer = await cancel('reports', id);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ id, state: 'cancelling', previousState: 'active' });
    const stoppedAt = await failedAt(id, 5_000);
    console.log(`export stopped ${stoppedAt - asked} ms after DELETE`);
    expect(stoppedAt - asked).toBeLessThanOrEqual(1_000);

    const v = await view('reports', id);
    expect(v).toMatchObject({ state: 'cancelled', attemptsMade: 1 });
    expect(v.failedReason).toMatch(/cancelled by request/);
    const [report] = await db.query<{ status: string; id: string }>(
      `SELECT id, status FROM reports WHERE organization_id = $1 AND job_id = $2`,
      [org, id],
    );
    expect(report.status).toBe('cancelled');
    expect(existsSync(join(api.config.reports.dir, report.id))).toBe(false);
    expect(existsSync(join(api.config.reports.dir, `${report.id}.part`))).toBe(false);
    expect(await api.context.get(DeadLetterService).has('reports', id)).toBe(false);
    const [{ outcome }] = await db.query(`SELECT outcome FROM job_cancellations WHERE organization_id = $1 AND job_id = $2`, [org, id]);
    expect(outcome).toBe('abort-requested');
  });

  it('stops an active reindex within a second of DELETE', async () => {
    const res = await request(api.url!).post('/api/v1/search/reindex').set(bearer(org)).send({ entityType: 'case' });
    const id: string = res.body.jobs[0].id;
    await firstProgress(id);
    const asked = Date.now();
    expect((await cancel('indexing', id)).status).toBe(202);
    const stoppedAt = await failedAt(id, 5_000);
    console.log(`reindex stopped ${stoppedAt - asked} ms after DELETE`);
    expect(stoppedAt - asked).toBeLessThanOrEqual(1_000);
    expect((await view('indexing', id)).state).toBe('cancelled');
    expect(await api.context.get(DeadLetterService).has('indexing', id)).toBe(false);
  });

  it('never runs a cancelled job again after its worker is killed with SIGKILL', async () => {
    const res = await request(api.url!).post('/api/v1/jobs/reports').set(bearer(org)).send({ format: 'xlsx' });
    const id: string = res.body.id;
    await firstProgress(id);
    // Frozen, the worker cannot act on the cancel; then it dies holding the job.
    worker!.process.kill('SIGSTOP');
    const frozenAt = Date.now();
    expect((await cancel('reports', id)).status).toBe(202);
    await worker!.stop('SIGKILL');
    worker = undefined;

    // Another worker recovers the job once its lock expires, and refuses to run it.
    const second = await startTestApp({ ...env, APP_ROLE: 'worker', WORKER_QUEUES: 'reports' }, { workers: quickStallWorkers() });
    try {
      await failedAt(id, 20_000);
      const v = await view('reports', id);
      expect(v.state).toBe('cancelled');
      const job = await api.context.get(JobsService).queue('reports').getJob(id);
      expect(job?.stalledCounter).toBe(1);
      // Nothing after the freeze: no progress, and no second report run (each run writes its own record).
      expect((seen.get(id) ?? []).filter((e) => e.event === 'progress' && e.at > frozenAt + 100)).toEqual([]);
      const runs = await db.query(`SELECT status FROM reports WHERE organization_id = $1 AND job_id = $2`, [org, id]);
      expect(runs).toEqual([{ status: 'running' }]);
      // Neither the failures listener nor its sweep files a dead letter for it.
      expect(await second.context.get(WorkerFailuresListener, { strict: false }).reconcile()).toBe(0);
      expect(await api.context.get(DeadLetterService).has('reports', id)).toBe(false);
      // Still not run a few seconds later.
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await view('reports', id)).state).toBe('cancelled');
    } finally {
      await second.close();
    }
  });
});
