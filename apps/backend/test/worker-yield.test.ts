import { getQueueToken } from '@nestjs/bullmq';
import { Queue, type Worker } from 'bullmq';
import request from 'supertest';
import { discoverWorkQueueWorkers } from '../src/modules/jobs/runtime/discover-workers';
import { WorkerYieldService } from '../src/roles/worker-yield/worker-yield.service';
import { WorkerYieldModule } from '../src/roles/worker-yield/worker-yield.module';
import { AppModule } from '../src/roles/app.module';
import { DiscoveryService } from '@nestjs/core';
import { scriptedWorkers } from './fixtures/scripted.processor';
import { startTestApp, TestApp } from './harness/app';
import { redisEnv, testConfig } from './harness/config';
import { eventually } from './harness/wait';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** APP_ROLE=all: while requests are served and jobs make the event loop late, workers take fewer jobs. */
describe('workers yield to HTTP requests in a combined process', () => {
  let app: TestApp;
  let email: Queue;
  let worker: Worker;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'all', WORKER_YIELD_LAG_MS: '5' }, { workers: scriptedWorkers() });
    email = app.context.get(getQueueToken('email'), { strict: false });
    [worker] = discoverWorkQueueWorkers(app.context.get(DiscoveryService));
  });
  let closed = false;
  afterAll(() => (closed ? undefined : app.close()));

  /** GET /health/ready in a loop until stopped; any answer but 200 before the stop fails the test. */
  const traffic = () => {
    let serving = true;
    const done = (async () => {
      while (serving) {
        const res = await request(app.http!.getHttpServer()).get('/health/ready');
        // Readiness holds while the workers are paused: they yield, they have not stopped. (After
        // the stop, the app may be shutting down: then it is rightly not ready.)
        if (serving) expect(res.status).toBe(200);
        await sleep(20);
      }
    })();
    return { stop: () => void (serving = false), done };
  };
  const spinJobs = (n: number) =>
    email.addBulk(Array.from({ length: n }, () => ({ name: 'send-email', data: { organizationId: 'org-y', script: { spinMs: 20 } } })));

  it('cuts concurrency down to a pause while requests meet a late loop, gives it back when they stop, and loses no job', async () => {
    expect(worker.concurrency).toBe(5);
    // Each job keeps the loop busy for 20 ms: about 8 s of backlog.
    const jobs = await spinJobs(400);
    await eventually(async () => (await email.getActiveCount()) > 1 || undefined);

    // A late loop alone (no requests) changes nothing.
    await sleep(1_200);
    expect(worker.concurrency).toBe(5);

    const requests = traffic();
    try {
      // Halved each tick the loop is late, down to a pause (no new job), which ends after a second.
      await eventually(async () => worker.isPaused() || undefined, 5_000, 10);
      await eventually(
        async () => {
          const metrics = await request(app.http!.getHttpServer()).get('/metrics').expect(200);
          return /^ethico_worker_concurrency\{queue="email",role="all"\} 0$/m.test(metrics.text) || undefined;
        },
        5_000,
        10,
      );
      // Taking fewer jobs, not stopping: the backlog keeps draining.
      const done = await email.getCompletedCount();
      await eventually(async () => (await email.getCompletedCount()) > done + 10 || undefined, 5_000);
      expect(worker.concurrency).toBeLessThan(5);
    } finally {
      requests.stop();
      await requests.done;
    }

    await eventually(async () => (worker.concurrency === 5 && !worker.isPaused()) || undefined, 5_000, 20);
    await eventually(async () => (await email.getCompletedCount()) === jobs.length || undefined, 30_000, 200);
    expect(await email.getFailedCount()).toBe(0);
  }, 60_000);

  it('shuts down at once while its workers are paused, leaving no job active', async () => {
    await spinJobs(200);
    const requests = traffic();
    await eventually(async () => worker.isPaused() || undefined, 5_000, 10);
    requests.stop();
    expect(worker.isPaused()).toBe(true);
    const started = Date.now();
    closed = true;
    await app.close();
    await requests.done;
    expect(Date.now() - started).toBeLessThan(5_000);
    // Read through a connection of the test's own: the app's are closed.
    const env = redisEnv();
    const queue = new Queue('email', {
      connection: { host: env.REDIS_HOST!, port: Number(env.REDIS_PORT), password: env.REDIS_PASSWORD },
      prefix: queuePrefix(app.config.queue.prefix, 'email'),
    });
    try {
      expect(await queue.getActiveCount()).toBe(0);
    } finally {
      await queue.close();
    }
  }, 30_000);

  it('is composed only where one process serves and works, unless WORKER_YIELD_LAG_MS=0', () => {
    const yields = (env: Record<string, string>) => AppModule.forRole(testConfig(env)).imports!.includes(WorkerYieldModule);
    expect(
      app.context
        .get(DiscoveryService)
        .getProviders()
        .some((p) => p.instance instanceof WorkerYieldService),
    ).toBe(true);
    expect(yields({ APP_ROLE: 'all' })).toBe(true);
    expect(yields({ APP_ROLE: 'all', WORKER_YIELD_LAG_MS: '0' })).toBe(false);
    expect(yields({ APP_ROLE: 'api' })).toBe(false);
    expect(yields({ APP_ROLE: 'worker' })).toBe(false);
  });
});
