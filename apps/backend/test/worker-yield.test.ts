import { getQueueToken } from '@nestjs/bullmq';
import type { Queue, Worker } from 'bullmq';
import request from 'supertest';
import { discoverWorkQueueWorkers } from '../src/modules/jobs/workers/discover-workers';
import { WorkerYieldService } from '../src/modules/jobs/workers/worker-yield.service';
import { WorkerYieldModule } from '../src/modules/jobs/workers/worker-yield.module';
import { AppModule } from '../src/app.module';
import { DiscoveryService } from '@nestjs/core';
import { scriptedWorkers } from './fixtures/scripted.processor';
import { startTestApp, TestApp } from './harness/app';
import { testConfig } from './harness/config';
import { eventually } from './harness/wait';

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
  afterAll(() => app.close());

  it('cuts concurrency down to a pause while requests meet a late loop, gives it back when they stop, and loses no job', async () => {
    expect(worker.concurrency).toBe(5);
    // Each job keeps the loop busy for 20 ms: about 8 s of backlog.
    const jobs = await email.addBulk(Array.from({ length: 400 }, () => ({ name: 'send-email', data: { organizationId: 'org-y', script: { spinMs: 20 } } })));
    await eventually(async () => (await email.getActiveCount()) > 1 || undefined);

    // A late loop alone (no requests) changes nothing.
    await sleep(1_200);
    expect(worker.concurrency).toBe(5);

    let serving = true;
    const traffic = (async () => {
      while (serving) {
        // Readiness holds while the workers are paused: they yield, they have not stopped.
        await request(app.http!.getHttpServer()).get('/health/ready').expect(200);
        await sleep(20);
      }
    })();
    try {
      // Halved each tick the loop is late, down to a pause (no new job), which ends after a second.
      await eventually(async () => worker.isPaused() || undefined, 5_000, 10);
      await eventually(async () => {
        const metrics = await request(app.http!.getHttpServer()).get('/metrics').expect(200);
        return /^ethico_worker_concurrency\{queue="email",role="all"\} 0$/m.test(metrics.text) || undefined;
      }, 5_000, 10);
      // Taking fewer jobs, not stopping: the backlog keeps draining.
      const done = await email.getCompletedCount();
      await eventually(async () => (await email.getCompletedCount()) > done + 10 || undefined, 5_000);
      expect(worker.concurrency).toBeLessThan(5);
    } finally {
      serving = false;
      await traffic;
    }

    await eventually(async () => (worker.concurrency === 5 && !worker.isPaused()) || undefined, 5_000, 20);
    await eventually(async () => (await email.getCompletedCount()) === jobs.length || undefined, 30_000, 200);
    expect(await email.getFailedCount()).toBe(0);
  }, 60_000);

  it('is composed only where one process serves and works, unless WORKER_YIELD_LAG_MS=0', () => {
    const yields = (env: Record<string, string>) => AppModule.forRole(testConfig(env)).imports!.includes(WorkerYieldModule);
    expect(app.context.get(DiscoveryService).getProviders().some((p) => p.instance instanceof WorkerYieldService)).toBe(true);
    expect(yields({ APP_ROLE: 'all' })).toBe(true);
    expect(yields({ APP_ROLE: 'all', WORKER_YIELD_LAG_MS: '0' })).toBe(false);
    expect(yields({ APP_ROLE: 'api' })).toBe(false);
    expect(yields({ APP_ROLE: 'worker' })).toBe(false);
  });
});
