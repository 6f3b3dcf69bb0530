import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue, Worker } from 'bullmq';
import { DatabaseService } from '../src/modules/database/database.service';
import { currentCorrelation, runWithCorrelation, withCorrelation } from '../src/modules/logging/correlation-context';
import { jobLogFields } from '../src/modules/logging/job-log-fields';
import { caseAssigned, emailQueue, settled, startEmailWorker } from './harness/email';
import { redisEnv, testConfig, uniquePrefix } from './harness/config';
import { eventually } from './harness/wait';

/**
 * Jobs get no AsyncLocalStorage context (on Node 20 an active one hooks every promise in the
 * process): what a job's code needs is derived from the job, and requests keep their context.
 */
describe('job context', () => {
  const env = redisEnv();
  const connection = { host: env.REDIS_HOST!, port: Number(env.REDIS_PORT), password: env.REDIS_PASSWORD, maxRetriesPerRequest: null };
  const prefix = uniquePrefix();
  let queue: Queue;
  let worker: Worker;
  const seen = new Map<string, { fields: unknown; followUp: unknown; inRequestFollowUp: unknown; correlation: unknown }>();
  // One connection per pool: a job holding its pool's only connection must not hold up a request.
  const db = new DatabaseService(testConfig({ DATABASE_POOL_MAX: '1', DATABASE_JOB_POOL_MAX: '1' }));
  const order: string[] = [];

  beforeAll(async () => {
    queue = new Queue('ctx', { connection, prefix });
    worker = new Worker(
      'ctx',
      async (job: Job) => {
        await new Promise((r) => setTimeout(r, 5));
        seen.set(job.name, {
          fields: jobLogFields(job),
          followUp: withCorrelation({ organizationId: 'org-c' }, job),
          // The job it follows from wins over a request being handled (a job run from a request's code path).
          inRequestFollowUp: runWithCorrelation({ correlationId: 'corr-request' }, () => withCorrelation({ organizationId: 'org-c' }, job)),
          correlation: currentCorrelation(),
        });
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

  it("derives a job's log fields and its follow-up jobs' correlation id from the job", async () => {
    const job = await queue.add('logs', { organizationId: 'org-c', correlationId: 'corr-1' });
    await queue.add('no-correlation', { organizationId: 'org-c' });
    await eventually(async () => (seen.size === 2 ? true : undefined));
    expect(seen.get('logs')).toEqual({
      fields: { queue: 'ctx', jobId: job.id, jobName: 'logs', organizationId: 'org-c', correlationId: 'corr-1' },
      followUp: { organizationId: 'org-c', correlationId: 'corr-1' },
      inRequestFollowUp: { organizationId: 'org-c', correlationId: 'corr-1' },
      correlation: undefined,
    });
    // Without one of its own, a job's follow-up takes the request's, or none.
    expect(seen.get('no-correlation')).toMatchObject({
      fields: { jobName: 'no-correlation', correlationId: undefined },
      followUp: { organizationId: 'org-c' },
      inRequestFollowUp: { organizationId: 'org-c', correlationId: 'corr-request' },
    });
    // Data naming its own correlation id keeps it.
    expect(withCorrelation({ correlationId: 'mine' }, job)).toEqual({ correlationId: 'mine' });
  });

  it("runs a job's queries on the jobs' pool and a request's on the requests' pool, so a busy job pool never holds up a request", async () => {
    await queue.add('holds-db', { organizationId: 'org-c' });
    await eventually(
      async () =>
        (
          await runWithCorrelation({}, () =>
            db.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND application_name LIKE '%-jobs'",
            ),
          )
        )[0].n > 0 || undefined,
    );
    const [row] = await runWithCorrelation({ correlationId: 'corr-r' }, () =>
      db.query<{ app: string }>("SELECT current_setting('application_name') AS app"),
    );
    order.push(`request on ${row.app}`);
    // The readiness probe uses the requests' pool too, whatever it runs in.
    await db.ping();
    await eventually(async () => (order.length === 2 ? true : undefined));
    expect(order).toEqual(['request on ethico-all', 'job on ethico-all-jobs']);
  });
});

describe('a worker process', () => {
  const dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'no-als-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never turns AsyncLocalStorage on, through successes, failures and dead letters', async () => {
    const entered: string[] = [];
    const proto = AsyncLocalStorage.prototype as unknown as Record<'run' | 'enterWith', (...args: unknown[]) => unknown>;
    const originals = { run: proto.run, enterWith: proto.enterWith };
    for (const method of ['run', 'enterWith'] as const) {
      proto[method] = function (this: unknown, ...args: unknown[]) {
        entered.push(`${method} from ${new Error().stack?.split('\n')[2]?.trim()}`);
        return originals[method].apply(this, args);
      };
    }
    try {
      const app = await startEmailWorker({ EMAIL_OUTBOX_DIR: dir });
      try {
        const queue = emailQueue(app);
        const ok = await queue.add('send-email', caseAssigned());
        const bad = await queue.add('send-email', caseAssigned({ to: 'not-an-address' }));
        expect(await (await settled(queue, ok.id!)).getState()).toBe('completed');
        expect(await (await settled(queue, bad.id!)).getState()).toBe('failed');
      } finally {
        await app.close();
      }
      expect(entered).toEqual([]);
    } finally {
      Object.assign(proto, originals);
    }
  });
});
