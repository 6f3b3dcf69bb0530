import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Worker } from 'bullmq';
import { RunningRedis, startRedisServer } from '../src/dev/embedded/redis-server';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { startTestApp, TestApp } from './harness/app';
import { eventually } from './harness/wait';

/**
 * The fair order lives in Redis with the jobs: a worker SIGKILLed mid-run and a Redis restarted
 * from its AOF leave every tenant's place as it was, within one job.
 */
describe('the fair order across a worker SIGKILL and a Redis restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ethico-fair-aof-'));
  let redis: RunningRedis;
  let app: TestApp;
  let jobs: JobsService;
  beforeAll(async () => {
    redis = await startRedisServer({ dir, appendfsync: 'always' });
    app = await startTestApp({ APP_ROLE: 'api', REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) });
    jobs = app.context.get(JobsService, { strict: false });
  });
  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  const enqueue = async (org: string, n: number) => {
    for (let i = 0; i < n; i++) {
      await jobs.enqueue('indexing', 'update', { organizationId: org, operation: 'update', entityType: 'case', entityId: `c-${i}` });
    }
  };

  /** A worker in its own process, SIGKILLed once it has started `n` jobs (some of them still running). */
  async function killWorkerAfter(n: number): Promise<number> {
    const script = `
      const { Worker } = require('bullmq');
      let started = 0;
      new Worker('indexing', async () => {
        started++;
        process.stdout.write('started ' + started + '\\n');
        await new Promise((r) => setTimeout(r, started <= ${n - 2} ? 10 : 60000));
      }, { connection: { host: '${redis.host}', port: ${redis.port}, maxRetriesPerRequest: null }, prefix: '${queuePrefix(app.config.queue.prefix, 'indexing')}', concurrency: 2, lockDuration: 1000, stalledInterval: 1000 });
    `;
    const child = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let started = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        started = Math.max(started, ...[...d.toString().matchAll(/started (\d+)/g)].map((m) => Number(m[1])));
        if (started >= n) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    return started;
  }

  it('keeps every tenant within one job of its place', async () => {
    await enqueue('org-a', 40);
    await enqueue('org-b', 40);
    await killWorkerAfter(10);
    const active = await jobs.queue('indexing').getActiveCount();
    const completedBefore = await jobs.queue('indexing').getCompletedCount();
    expect(active).toBe(2);

    // Redis stops and comes back from its AOF on the same port; the producer reconnects by itself.
    await redis.stop();
    redis = await startRedisServer({ dir, port: redis.port, appendfsync: 'always' });
    await eventually(async () => (await jobs.queue('indexing').getPrioritizedCount()) > 0, 10_000, 100);
    await enqueue('org-c', 5);

    const taken: { org: string; id: string }[] = [];
    const worker = new Worker(
      'indexing',
      async (job: Job) => {
        taken.push({ org: (job.data as { organizationId: string }).organizationId, id: job.id! });
      },
      {
        connection: { host: redis.host, port: redis.port, maxRetriesPerRequest: null },
        prefix: queuePrefix(app.config.queue.prefix, 'indexing'),
        concurrency: 1,
        stalledInterval: 500,
      },
    );
    try {
      // The killed worker's running jobs come back (stalled) and every job runs once more or for the first time.
      await eventually(async () => taken.length >= 85 - completedBefore || undefined, 20_000, 100).catch(async (err: Error) => {
        const counts = await jobs.queue('indexing').getJobCounts();
        throw new Error(`${err.message}: ${taken.length} of ${85 - completedBefore} taken; ${JSON.stringify(counts)}`);
      });
    } finally {
      await worker.close();
    }
    const byOrg = (org: string) => taken.filter((t) => t.org === org).length;
    expect(byOrg('org-c')).toBe(5);
    expect(taken.filter((t) => t.org !== 'org-c').length).toBe(80 - completedBefore);
    // Leave out the stalled jobs, which run again wherever the stall check finds them.
    const counted = new Map<string, number>();
    const fresh = taken.filter((t) => {
      const seen = counted.get(t.id) ?? 0;
      counted.set(t.id, seen + 1);
      return seen === 0;
    });
    const stalledIds = new Set(
      (await jobs.queue('indexing').getJobs(['completed'], 0, -1)).filter((j) => j.stalledCounter > 0).map((j) => j.id),
    );
    const ordered = fresh.filter((t) => !stalledIds.has(t.id));
    // A and B alternate: in every prefix while both have jobs, neither is more than one job ahead.
    let a = 0;
    let b = 0;
    for (const t of ordered) {
      if (t.org === 'org-a') a++;
      if (t.org === 'org-b') b++;
      if (a < 30 && b < 30) expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
    }
    // C, arriving after the restart, starts at the head: its k-th job within the first 3k + 3.
    const cAt = ordered.map((t, i) => (t.org === 'org-c' ? i : -1)).filter((i) => i >= 0);
    cAt.forEach((at, k) => expect(at).toBeLessThanOrEqual(3 * (k + 1) + 3));
  }, 60_000);
});
