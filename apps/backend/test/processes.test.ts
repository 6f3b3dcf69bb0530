import { Queue } from 'bullmq';
import { redisOptions } from '../src/modules/redis/redis-connection.factory';
import { testConfig, testEnv } from './harness/config';
import { Child, spawnBackend, spawnFixture, waitForOutput } from './harness/processes';
import { eventually } from './harness/wait';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';

/** Real processes, as production runs them: roles, several workers, signals. */
describe('worker processes', () => {
  const children: Child[] = [];
  const queues: Queue[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop('SIGKILL')));
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });

  function queuesFor(env: Record<string, string | undefined>) {
    const config = testConfig(env);
    const open = (name: string) => {
      const q = new Queue(name, { connection: redisOptions(config.redis), prefix: queuePrefix(config.queue.prefix, name) });
      queues.push(q);
      return q;
    };
    return { ai: open('ai-processing'), email: open('email'), indexing: open('indexing'), dlq: open('dead-letter') };
  }

  const start = async (child: Child, marker: string | RegExp) => {
    children.push(child);
    await waitForOutput(child, marker);
    return child;
  };

  it('runs dedicated AI workers apart from the API process', async () => {
    const env = testEnv({ LOG_LEVEL: 'info' });
    const { ai, email, indexing } = queuesFor(env);
    await start(spawnBackend({ ...env, APP_ROLE: 'api' }), 'HTTP on');
    // An API process alone consumes nothing.
    for (const q of [ai, email, indexing]) expect(await q.getWorkers()).toHaveLength(0);

    await start(spawnBackend({ ...env, APP_ROLE: 'worker', WORKER_QUEUES: 'ai-processing' }), 'consuming ai-processing');
    await eventually(async () => (await ai.getWorkers()).length > 0);
    expect(await email.getWorkers()).toHaveLength(0);
    expect(await indexing.getWorkers()).toHaveLength(0);
  });

  it('files one dead letter per failed job while two worker processes share the retries', async () => {
    const env = testEnv();
    const { email, dlq } = queuesFor(env);
    await Promise.all([
      start(spawnFixture('scripted-worker.main.ts', { ...env, APP_ROLE: 'worker' }), 'ready'),
      start(spawnFixture('scripted-worker.main.ts', { ...env, APP_ROLE: 'worker' }), 'ready'),
    ]);
    await eventually(async () => (await email.getWorkers()).length === 2);
    const jobs = await email.addBulk(
      Array.from({ length: 20 }, () => ({
        name: 'send-email',
        data: { organizationId: 'org-p', script: { fail: 'always' } },
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 20 } },
      })),
    );
    await eventually(async () => (await dlq.getJobCounts('waiting')).waiting >= 20, 20_000);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would show up by now
    const entries = await dlq.getJobs(['waiting'], 0, -1);
    expect(entries).toHaveLength(20);
    expect(entries.map((e) => e.data.jobId).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(entries.every((e) => e.data.attemptsMade === 3)).toBe(true);
  });

  it('finishes the active job on SIGTERM and exits 0', async () => {
    const env = testEnv({ SHUTDOWN_TIMEOUT_MS: '20000' });
    const { email } = queuesFor(env);
    const worker = await start(spawnFixture('scripted-worker.main.ts', { ...env, APP_ROLE: 'worker', LOG_LEVEL: 'info' }), 'ready');
    const job = await email.add('send-email', { organizationId: 'org-s', script: { sleepMs: 1500 } });
    await eventually(async () => (await job.getState()) === 'active');
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await email.getJobState(job.id!)).toBe('completed');
    expect(worker.output()).toContain('stopped cleanly');
  });
});
