import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import request from 'supertest';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { RunningRedis, startRedisServer } from '../src/dev/embedded/redis-server';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';

jest.setTimeout(90_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Redis paused (SIGSTOP), not gone: the connection stays open, so an enqueue's command is written
 * to the socket and waits there. It used to be answered 503 after ENQUEUE_TIMEOUT_MS and then
 * stored and run anyway when Redis resumed: a client retrying on 503 ran the job twice.
 */
describe('when Redis stalls', () => {
  let redis: RunningRedis;
  let app: TestApp;
  let worker: Worker;
  let workerConnection: IORedis;
  const ran = new Set<string>();
  const runs = new Map<string, number>();
  const dir = mkdtempSync(join(tmpdir(), 'ethico-stall-'));

  beforeAll(async () => {
    redis = await startRedisServer({ dir });
    app = await startTestApp({ APP_ROLE: 'api', REDIS_HOST: redis.host, REDIS_PORT: String(redis.port), ENQUEUE_TIMEOUT_MS: '500' });
    workerConnection = new IORedis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
    // Counts what runs, by the job's entityId (the request's own marker).
    worker = new Worker(
      'indexing',
      async (job) => {
        // Payloads are sealed at rest: the app's sealer opens them, as its own workers do.
        const { entityId } = await dataOf<{ entityId: string }>(app, job);
        ran.add(entityId);
        runs.set(entityId, (runs.get(entityId) ?? 0) + 1);
      },
      { connection: workerConnection, prefix: queuePrefix(app.config.queue.prefix, 'indexing'), concurrency: 20 },
    );
  });
  afterAll(async () => {
    redis.process.kill('SIGCONT');
    await worker.close();
    workerConnection.disconnect();
    await app.close();
    await redis.stop();
  });

  const enqueue = (entityId: string, key?: string) => {
    const req = request(app.url!).post('/api/v1/jobs/indexing').set(bearer('org-stall'));
    return (key ? req.set('Idempotency-Key', key) : req).send({ operation: 'create', entityType: 'case', entityId });
  };

  it('never stores nor runs a job it answered 503 for', async () => {
    expect((await enqueue('before')).status).toBe(202);
    await eventually(async () => ran.has('before'));

    redis.process.kill('SIGSTOP');
    const n = 60;
    const started = Date.now();
    const [answers, keyed, created] = await Promise.all([
      Promise.all(Array.from({ length: n }, (_, i) => enqueue(`stalled-${i}`))),
      enqueue('keyed', 'retry-me'),
      // The case is stored in PostgreSQL with its indexing job in the outbox; the relay meets the stalled Redis.
      request(app.url!).post('/api/v1/cases').set(bearer('org-stall')).send({ title: 'Stalled', description: 'x' }),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(n);
    expect(answers[0].body.message).toMatch(/will not be stored/);
    expect(keyed.status).toBe(503);
    expect(created.status).toBe(201);
    // ENQUEUE_TIMEOUT_MS is 500 ms; the rest is 62 requests at once on a shared machine. No hang.
    expect(Date.now() - started).toBeLessThan(5_000);
    // Longer than ENQUEUE_TIMEOUT_MS, as in the report (15 s there): every command is late.
    await sleep(2_000);
    redis.process.kill('SIGCONT');

    const after = await eventually(
      async () => {
        const res = await enqueue('after');
        return res.status === 202 && res;
      },
      10_000,
      100,
    );
    expect(after.status).toBe(202);
    // The job-id counter the guard touched is back: ids go on from where they were.
    expect(after.body.id).toBe('2');
    // A client retrying its 503 with the same Idempotency-Key gets the job stored once.
    expect((await enqueue('keyed', 'retry-me')).status).toBe(202);
    expect((await enqueue('keyed', 'retry-me')).status).toBe(202);
    const caseId = (created.body as { id: string }).id;
    await eventually(async () => ran.has('after') && ran.has('keyed') && ran.has(caseId), 10_000);
    await sleep(1_000);
    expect([...ran].filter((id) => id.startsWith('stalled-'))).toEqual([]);
    expect(runs.get('keyed')).toBe(1);
    // The committed case's job was never refused: the outbox relays it once Redis answers, once.
    expect(runs.get(caseId)).toBe(1);
    const stored = await app.context.get(JobsService).queue('indexing').getJobCounts();
    expect(stored).toMatchObject({ completed: 4, waiting: 0, prioritized: 0, active: 0, failed: 0 });
  });
});
