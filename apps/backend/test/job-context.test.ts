import { Queue } from 'bullmq';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { Writable } from 'node:stream';
import { currentCorrelation, withCurrentCorrelation } from '../src/modules/logging/correlation-context';
import { JobContextWorker, setJobRootLogger } from '../src/modules/logging/job-context.worker';
import { DatabaseService } from '../src/modules/database/database.service';
import { redisEnv, testConfig, uniquePrefix } from './harness/config';
import { eventually } from './harness/wait';

/** Each job runs in one store: its correlation (for producers and events) and a logger bound to it, made on first use. */
describe('job context', () => {
  const env = redisEnv();
  const connection = { host: env.REDIS_HOST!, port: Number(env.REDIS_PORT), password: env.REDIS_PASSWORD, maxRetriesPerRequest: null };
  const prefix = uniquePrefix();
  const lines: Record<string, unknown>[] = [];
  const root = pino({ base: null }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  let children = 0;
  // What the job store sees as its root: counts the children it makes (they are real pino children).
  const countingRoot = { child: (bindings: pino.Bindings) => (children++, root.child(bindings)) } as unknown as pino.Logger;
  let queue: Queue;
  let worker: JobContextWorker;
  const seen = new Map<string, unknown>();
  // One connection per pool: a job holding its pool's only connection must not hold up a request.
  const db = new DatabaseService(testConfig({ DATABASE_POOL_MAX: '1', DATABASE_JOB_POOL_MAX: '1' }));
  const order: string[] = [];

  beforeAll(async () => {
    setJobRootLogger(countingRoot);
    queue = new Queue('ctx', { connection, prefix });
    worker = new JobContextWorker(
      'ctx',
      async (job) => {
        await new Promise((r) => setTimeout(r, 5)); // the context survives awaits
        seen.set(job.name, { correlation: currentCorrelation(), enqueued: withCurrentCorrelation({ organizationId: 'org-c' }) });
        if (job.name === 'logs') {
          const store = storage.getStore()!;
          store.logger.info('inside the job');
          // What PinoLogger.assign() does: later lines carry the extra field too.
          store.logger = store.logger.child({ step: 'two' });
          store.logger.info('after assign');
        }
        if (job.name === 'holds-db') {
          const [row] = await db.query<{ app: string }>("SELECT current_setting('application_name') AS app, pg_sleep(1.5)");
          order.push(`job on ${row.app}`);
        }
      },
      { connection, prefix, concurrency: 2 },
    );
  });
  afterAll(async () => {
    await db.onApplicationShutdown();
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('gives the job its correlation, hands it to what the job enqueues, and binds it to log lines', async () => {
    await queue.add('logs', { organizationId: 'org-c', correlationId: 'corr-1' });
    await queue.add('quiet', { organizationId: 'org-c', correlationId: 'corr-2' });
    await eventually(async () => (seen.size === 2 ? true : undefined));
    expect(seen.get('logs')).toEqual({
      correlation: { queue: 'ctx', jobId: expect.any(String), organizationId: 'org-c', correlationId: 'corr-1' },
      enqueued: { organizationId: 'org-c', correlationId: 'corr-1' },
    });
    expect(seen.get('quiet')).toMatchObject({ correlation: { correlationId: 'corr-2' }, enqueued: { correlationId: 'corr-2' } });
    const fields = { queue: 'ctx', jobName: 'logs', organizationId: 'org-c', correlationId: 'corr-1' };
    expect(lines).toEqual([expect.objectContaining({ msg: 'inside the job', ...fields }), expect.objectContaining({ msg: 'after assign', step: 'two', ...fields })]);
    // Only the job that logged made a child logger.
    expect(children).toBe(1);
    expect(currentCorrelation()).toBeUndefined();
  });

  it('runs a job\'s queries on the jobs\' pool, so a busy job pool never holds up a request', async () => {
    await queue.add('holds-db', { organizationId: 'org-c' });
    await eventually(async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND application_name LIKE '%-jobs'"))[0].n > 0 || undefined);
    const [row] = await db.query<{ app: string }>("SELECT current_setting('application_name') AS app");
    order.push(`request on ${row.app}`);
    await eventually(async () => (order.length === 2 ? true : undefined));
    expect(order).toEqual(['request on ethico-all', 'job on ethico-all-jobs']);
  });
});
