import { DiscoveryService } from '@nestjs/core';
import type IORedis from 'ioredis';
import request from 'supertest';
import { JobsService } from '../../src/modules/jobs/jobs.service';
import { discoverWorkQueueWorkers } from '../../src/modules/jobs/runtime/discover-workers';
import { MetricsRegistry } from '../../src/modules/metrics/metrics.registry';
import { startTestApp, TestApp } from '../harness/app';
import { eventually } from '../harness/wait';
import { BlackholeProxy } from './blackhole-proxy';
import { record } from './report';

jest.setTimeout(120_000);

/**
 * A worker's blocking connection wedged (a half-open socket: reads stall, a clean close never
 * completes): readiness answers 503 within 30 s and the worker consumes again within 60 s, in the
 * same process. In-process, since the socket is the worker's own. BullMQ 5.81's own blocking
 * timeout frees this socket after about 8 s, before the default WORKER_STALL_TIMEOUT_MS (20 s)
 * would judge it, so the watchdog runs here with a 3 s stall timeout to act first.
 */
describe('chaos: wedged worker connection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      APP_ROLE: 'all',
      WORKER_QUEUES: 'email',
      WORKER_STALL_TIMEOUT_MS: '3000',
      WORKER_WATCHDOG_INTERVAL_MS: '500',
      // Health probes are requests: keep the worker from yielding (pausing) while they are served.
      WORKER_YIELD_LAG_MS: '0',
    });
  });
  afterAll(() => app.close());

  it('fails readiness within 30 s and consumes again within 60 s without a restart', async () => {
    const worker = discoverWorkQueueWorkers(app.context.get(DiscoveryService, { strict: false })).find((w) => w.name === 'email')!;
    const blocking = (await worker.waitUntilReady()) as unknown as IORedis;
    blocking.stream.pause();
    blocking.stream.end = () => blocking.stream;
    await new Promise((r) => setTimeout(r, 500));
    const jobs = app.context.get(JobsService, { strict: false });
    const wedgedAt = Date.now();
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        jobs.enqueue('email', 'send-email', {
          organizationId: 'org-wedge',
          templateId: 'case-assigned',
          to: `wedge${i}@example.com`,
          context: { caseNumber: `C-${i}`, caseTitle: 'Wedge', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
        }),
      ),
    ).then((js) => js.map((j) => j.id));
    await eventually(async () => (await request(app.url!).get('/health/ready')).status === 503, 30_000, 250);
    const unreadyAfterMs = Date.now() - wedgedAt;
    const q = jobs.queue('email');
    await eventually(async () => (await Promise.all(ids.map((id) => q.getJobState(id)))).every((s) => s === 'completed'), 60_000, 250);
    const consumingAfterMs = Date.now() - wedgedAt;
    const metrics = await app.context.get(MetricsRegistry, { strict: false }).registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((m) => m.name === name)?.values.find((v) => v.labels.queue === 'email')?.value ?? 0;
    const figures = {
      unreadyAfterMs,
      consumingAfterMs,
      wedges: value('ethico_worker_wedges_total'),
      recreated: value('ethico_worker_connection_recreated_total'),
    };
    record('worker-wedge', figures);
    expect(figures.wedges).toBe(1);
    expect(figures.recreated).toBeGreaterThanOrEqual(1);
    expect(unreadyAfterMs).toBeLessThanOrEqual(30_000);
    expect(consumingAfterMs).toBeLessThanOrEqual(60_000);
    expect(discoverWorkQueueWorkers(app.context.get(DiscoveryService, { strict: false })).find((w) => w.name === 'email')).toBe(worker);
  });
});

/**
 * At the default settings (WORKER_STALL_TIMEOUT_MS 20 s), through a proxy that keeps swallowing the
 * worker's blocking connection and every reconnect of it, while every other connection works (a
 * half-dead path behind a NAT or load balancer): the wedge never clears, yet the worker consumes
 * within 60 s, in the same process. BullMQ 5.81 times its blocking call out and takes jobs over its
 * command connection, so this wedge costs seconds and readiness stays up; the watchdog is for what
 * outlasts the stall timeout (the scenario above).
 */
describe('chaos: blackholed blocking connection, default settings', () => {
  let app: TestApp;
  let proxy: BlackholeProxy;
  beforeAll(async () => {
    const redis = new URL(process.env.TEST_REDIS_URL!);
    proxy = await BlackholeProxy.start({ host: redis.hostname, port: Number(redis.port) });
    app = await startTestApp({
      APP_ROLE: 'all',
      WORKER_QUEUES: 'email',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(proxy.port),
      WORKER_YIELD_LAG_MS: '0',
    });
  });
  afterAll(async () => {
    proxy.wedge = false;
    await app.close();
    await proxy.stop();
  });

  it('consumes within 60 s of the wedge without a restart while the wedge lasts', async () => {
    expect(app.config.workerWatchdog.stallTimeoutMs).toBe(20_000);
    proxy.wedge = true;
    const wedgedAt = Date.now();
    // The worker's blocking call in flight is swallowed when BullMQ issues the next one (within its block timeout).
    await eventually(async () => proxy.swallowed > 0, 15_000, 100);
    const jobs = app.context.get(JobsService, { strict: false });
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        jobs.enqueue('email', 'send-email', {
          organizationId: 'org-blackhole',
          templateId: 'case-assigned',
          to: `blackhole${i}@example.com`,
          context: { caseNumber: `C-${i}`, caseTitle: 'Blackhole', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
        }),
      ),
    ).then((js) => js.map((j) => j.id));
    const enqueuedAt = Date.now();
    const q = jobs.queue('email');
    await eventually(async () => (await Promise.all(ids.map((id) => q.getJobState(id)))).every((s) => s === 'completed'), 60_000, 250);
    const figures = {
      consumingAfterMs: Date.now() - enqueuedAt,
      swallowedConnections: proxy.swallowed,
      readyStatus: (await request(app.url!).get('/health/ready')).status,
    };
    record('worker-blackhole', figures);
    expect(proxy.wedge).toBe(true);
    expect(figures.swallowedConnections).toBeGreaterThanOrEqual(1);
    expect(Date.now() - wedgedAt).toBeLessThanOrEqual(75_000);
    expect(figures.consumingAfterMs).toBeLessThanOrEqual(60_000);
    expect(figures.readyStatus).toBe(200);
  });
});
