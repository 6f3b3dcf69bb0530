import { Job, UnrecoverableError } from 'bullmq';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';
import { CancellableWorker } from '../src/modules/jobs/runtime/cancellable.worker';
import { onJobRuns, TenantCaps, tenantCappedWorkerClass } from '../src/modules/jobs/runtime/tenant-caps.worker';
import { startTestApp, TestApp } from './harness/app';
import { closeRedisClients, redisClient } from './harness/redis';
import { eventually } from './harness/wait';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per-tenant caps on a queue's workers, with the worker class the application uses on top of the cancellable one. */
describe('per-tenant caps on workers', () => {
  let app: TestApp;
  let jobs: JobsService;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
    jobs = app.context.get(JobsService, { strict: false });
  });
  afterAll(async () => {
    await app.close();
    await closeRedisClients();
  });
  beforeEach(() => jobs.queue('indexing').obliterate({ force: true }));

  const enqueue = async (org: string, n: number) => {
    for (let i = 0; i < n; i++) {
      await jobs.enqueue('indexing', 'update', { organizationId: org, operation: 'update', entityType: 'case', entityId: `c-${i}` });
    }
  };

  interface Run {
    org: string;
    start: number;
    end: number;
  }
  /** Two workers of the capped class (as two processes would run), each job taking `ms`. */
  function workers(caps: TenantCaps, ms: number, runs: Run[], failFirst = false) {
    const Capped = tenantCappedWorkerClass(CancellableWorker, (q) => (q === 'indexing' ? caps : null));
    const processor = async (job: Job) => {
      const org = (job.data as { organizationId: string }).organizationId;
      const run = { org, start: Date.now(), end: 0 };
      await sleep(ms);
      run.end = Date.now();
      runs.push(run);
      if (failFirst && job.attemptsMade === 0 && org === 'org-fail') throw new UnrecoverableError('no');
    };
    return [1, 2].map(
      () =>
        new Capped('indexing', processor, {
          connection: redisClient(),
          prefix: queuePrefix(app.config.queue.prefix, 'indexing'),
          concurrency: 5,
        }),
    );
  }

  /** Most jobs of `org` running at any one time. */
  const peak = (runs: Run[], org: string) => {
    const events = runs.filter((r) => r.org === org).flatMap((r) => [[r.start, 1] as const, [r.end, -1] as const]);
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let max = 0;
    for (const [, d] of events) max = Math.max(max, (now += d));
    return max;
  };

  it('runs at most N jobs of a tenant at once across workers, without spending attempts, while others use the rest', async () => {
    await enqueue('org-big', 30);
    await enqueue('org-small', 6);
    const runs: Run[] = [];
    const ws = workers({ concurrency: 2, perWindow: 0, windowMs: 60_000, retryMs: 20 }, 60, runs);
    // The wait metric's event: once per job, at the start that ran it, not at those held back.
    const ranAt = new Map<string, number[]>();
    for (const w of ws) onJobRuns(w, (job) => ranAt.set(job.id!, [...(ranAt.get(job.id!) ?? []), job.processedOn!]));
    try {
      await eventually(async () => runs.length === 36, 30_000);
    } finally {
      await Promise.all(ws.map((w) => w.close()));
    }
    expect(peak(runs, 'org-big')).toBe(2);
    expect(peak(runs, 'org-small')).toBe(2);
    // The small tenant did not wait for the big one's 30 jobs: it finished within the first third.
    const firstStart = Math.min(...runs.map((r) => r.start));
    const smallDone = Math.max(...runs.filter((r) => r.org === 'org-small').map((r) => r.end));
    const bigDone = Math.max(...runs.filter((r) => r.org === 'org-big').map((r) => r.end));
    expect(smallDone - firstStart).toBeLessThan((bigDone - firstStart) / 2);
    const completed = await jobs.queue('indexing').getJobs(['completed'], 0, -1);
    expect(completed).toHaveLength(36);
    // Held back is not an attempt: every job completed on its first attempt, some after several starts.
    expect(completed.every((j) => j.attemptsMade === 1)).toBe(true);
    expect(completed.some((j) => j.attemptsStarted > 1)).toBe(true);
    expect(completed.every((j) => ranAt.get(j.id!)?.length === 1 && ranAt.get(j.id!)![0] === j.processedOn)).toBe(true);
    // Every slot was given back.
    const redis = redisClient();
    expect(await redis.zcard(`${queuePrefix(app.config.queue.prefix, 'indexing')}:indexing:fair:running:org-big`)).toBe(0);
  });

  it('starts at most N jobs of a tenant in any window, and another tenant of the same cap is not held up', async () => {
    const windowMs = 1_000;
    await enqueue('org-chatty', 12);
    const runs: Run[] = [];
    const ws = workers({ concurrency: 0, perWindow: 4, windowMs, retryMs: 20 }, 5, runs);
    try {
      await eventually(async () => runs.length >= 4, 5_000);
      await enqueue('org-quiet', 3);
      const quietAt = Date.now();
      await eventually(async () => runs.filter((r) => r.org === 'org-quiet').length === 3, 5_000);
      // Quiet's three jobs ran at once, although chatty was waiting for its window.
      expect(Date.now() - quietAt).toBeLessThan(500);
      await eventually(async () => runs.length === 15, 15_000);
    } finally {
      await Promise.all(ws.map((w) => w.close()));
    }
    const starts = runs
      .filter((r) => r.org === 'org-chatty')
      .map((r) => r.start)
      .sort((a, b) => a - b);
    // Any 4 + 1 consecutive starts span more than one window (less a few ms of clock skew between Redis and us).
    for (let i = 4; i < starts.length; i++) expect(starts[i] - starts[i - 4]).toBeGreaterThanOrEqual(windowMs - 15);
    // 12 jobs at 4 per window take at least two windows.
    expect(starts[starts.length - 1] - starts[0]).toBeGreaterThanOrEqual(2 * windowMs - 30);
  });

  it('gives a slot back when its job fails', async () => {
    await enqueue('org-fail', 3);
    const runs: Run[] = [];
    const ws = workers({ concurrency: 1, perWindow: 0, windowMs: 60_000, retryMs: 20 }, 10, runs, true);
    try {
      await eventually(async () => runs.length === 3, 10_000);
    } finally {
      await Promise.all(ws.map((w) => w.close()));
    }
    expect(await jobs.queue('indexing').getFailedCount()).toBe(3);
    expect(await redisClient().zcard(`${queuePrefix(app.config.queue.prefix, 'indexing')}:indexing:fair:running:org-fail`)).toBe(0);
  });
});
