import { DiscoveryService } from '@nestjs/core';
import type IORedis from 'ioredis';
import request from 'supertest';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { discoverWorkQueueWorkers } from '../src/modules/jobs/runtime/discover-workers';
import { MetricsRegistry } from '../src/modules/metrics/metrics.registry';
import { startTestApp, TestApp } from './harness/app';
import { eventually } from './harness/wait';

const email = (i: number) => ({
  organizationId: 'org-w',
  templateId: 'case-assigned' as const,
  to: `w${i}@example.com`,
  context: { caseNumber: `C-${i}`, caseTitle: 'Wedge', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
});

describe('consumption liveness', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      APP_ROLE: 'all',
      WORKER_QUEUES: 'email',
      WORKER_STALL_TIMEOUT_MS: '2000',
      WORKER_WATCHDOG_INTERVAL_MS: '200',
      // Health probes are requests: keep the worker from yielding (pausing) while they are served.
      WORKER_YIELD_LAG_MS: '0',
    });
  });
  afterAll(() => app.close());

  const ready = () => request(app.url!).get('/health/ready');
  const worker = () => discoverWorkQueueWorkers(app.context.get(DiscoveryService, { strict: false })).find((w) => w.name === 'email')!;
  const counter = async (name: string) => {
    const metric = await app.context.get(MetricsRegistry, { strict: false }).registry.getSingleMetric(name)!.get();
    return metric.values.find((v) => v.labels.queue === 'email')?.value ?? 0;
  };
  const wedges = () => counter('ethico_worker_wedges_total');
  const completed = async (ids: string[]) => {
    const q = app.context.get(JobsService, { strict: false }).queue('email');
    const states = await Promise.all(ids.map((id) => q.getJobState(id)));
    return states.every((s) => s === 'completed');
  };
  const enqueue = async (from: number, n: number) => {
    const jobs = app.context.get(JobsService, { strict: false });
    return Promise.all(Array.from({ length: n }, (_, i) => jobs.enqueue('email', 'send-email', email(from + i)))).then((js) =>
      js.map((j) => j.id),
    );
  };

  it('does not call an idle worker wedged when work arrives after a quiet spell', async () => {
    await new Promise((r) => setTimeout(r, 2_500));
    const ids = await enqueue(0, 3);
    await eventually(() => completed(ids), 10_000, 50);
    expect((await ready()).status).toBe(200);
    expect(await wedges()).toBe(0);
  });

  it('fails readiness for a wedged blocking connection, recreates it and consumes again without a restart', async () => {
    const before = worker();
    // A half-open socket to a peer that is gone: the blocking command's answer never arrives, and a
    // clean close (BullMQ's own timeout path disconnects and waits for 'end') never completes.
    const blocking = (await before.waitUntilReady()) as unknown as IORedis;
    blocking.stream.pause();
    blocking.stream.end = () => blocking.stream;
    await new Promise((r) => setTimeout(r, 300));
    const ids = await enqueue(100, 5);

    const started = Date.now();
    const unready = await eventually(
      async () => {
        const res = await ready();
        return res.status === 503 && res;
      },
      15_000,
      100,
    );
    expect(unready.body.message).toContain('workers');
    expect(JSON.stringify(unready.body.error.workers)).toContain('wedged');
    await eventually(() => completed(ids), 30_000, 100);
    expect(Date.now() - started).toBeLessThan(30_000);
    await eventually(async () => (await ready()).status === 200, 10_000, 100);
    expect(await wedges()).toBe(1);
    expect(await counter('ethico_worker_connection_recreated_total')).toBeGreaterThanOrEqual(1);
    expect(worker()).toBe(before);
  }, 60_000);
});
