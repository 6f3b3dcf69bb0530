import { spawnSync } from 'node:child_process';
import type { Job } from 'bullmq';
import request from 'supertest';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { MetricsHttpServer } from '../src/roles/metrics-server';
import { MetricsRegistry } from '../src/modules/metrics/metrics.registry';
import { startTestApp, TestApp } from './harness/app';
import { adminAuth, bearer } from './harness/http';
import { eventually } from './harness/wait';
import { aiScript, ScriptedAiProcessor, scriptedAiWorkers } from './operations/scripted-ai.processor';

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('metrics and health', () => {
  let api: TestApp;
  let worker: TestApp;
  let workerUrl: string;

  beforeAll(async () => {
    api = await startTestApp({ APP_ROLE: 'api' });
    // The same queues (same prefix): a dedicated AI worker consumes what the API enqueues.
    worker = await startTestApp(
      { APP_ROLE: 'worker', QUEUE_PREFIX: api.config.queue.prefix, WORKER_QUEUES: 'ai-processing' },
      { workers: scriptedAiWorkers() },
    );
    workerUrl = `http://127.0.0.1:${worker.context.get(MetricsHttpServer).port}`;
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('exports queue, dead-letter, job and HTTP metrics from both roles', async () => {
    aiScript.mode = 'fail-for-good';
    const res = await request(api.url!)
      .post('/api/v1/jobs/ai-processing')
      .set(bearer('org-m'))
      .send({ type: 'categorize', entityType: 'case', entityId: 'c-m' });
    expect(res.status).toBe(202);
    await eventually(async () => (await request(api.url!).get('/admin/api/dead-letter').set(adminAuth())).body.total === 1);

    const scrape = await request(api.url!).get('/metrics');
    expect(scrape.headers['content-type']).toMatch(/^text\/plain;.*version=0.0.4/);
    expect(scrape.headers['cache-control']).toBe('no-store');
    const fromApi = scrape.text;
    expect(fromApi).toMatch(/^ethico_queue_jobs\{queue="ai-processing",state="failed",role="api"\} 1$/m);
    expect(fromApi).toMatch(/^ethico_dead_letter_pending\{queue="ai-processing",role="api"\} 1$/m);
    expect(fromApi).toMatch(/^ethico_queue_stats_up\{role="api"\} 1$/m);
    expect(fromApi).toMatch(
      /^ethico_http_request_duration_seconds_count\{role="api",method="POST",route="\/api\/v1\/jobs\/:queue",status="202"\} 1$/m,
    );
    expect(fromApi).toMatch(/^process_cpu_user_seconds_total/m);

    const fromWorker = await request(workerUrl).get('/metrics');
    expect(fromWorker.status).toBe(200);
    expect(fromWorker.headers['content-type']).toContain('text/plain');
    const w = fromWorker.text;
    expect(w).toMatch(/^ethico_job_wait_seconds_count\{role="worker",queue="ai-processing",name="categorize"\} 1$/m);
    expect(w).toMatch(/^ethico_job_processing_seconds_count\{role="worker",queue="ai-processing",name="categorize",outcome="failed"\} 1$/m);
    expect(w).toMatch(
      /^ethico_job_final_failures_total\{queue="ai-processing",name="categorize",error="UnrecoverableError",role="worker"\} 1$/m,
    );
    expect(w).toMatch(
      /^ethico_job_failed_attempts_total\{queue="ai-processing",name="categorize",error="UnrecoverableError",role="worker"\} 1$/m,
    );

    // A success shows up as a completed run.
    aiScript.mode = 'succeed';
    await request(api.url!)
      .post('/api/v1/jobs/ai-processing')
      .set(bearer('org-m'))
      .send({ type: 'categorize', entityType: 'case', entityId: 'c-ok' });
    await eventually(async () =>
      /^ethico_job_processing_seconds_count\{role="worker",queue="ai-processing",name="categorize",outcome="completed"\} 1$/m.test(
        (await request(workerUrl).get('/metrics')).text,
      ),
    );
    expect(w).toMatch(/^# TYPE ethico_job_rate_limited_total counter$/m);
  });

  it('counts rate-limit hits from processors', async () => {
    aiScript.mode = 'rate-limited-once';
    const res = await request(api.url!)
      .post('/api/v1/jobs/ai-processing')
      .set(bearer('org-m'))
      .send({ type: 'categorize', entityType: 'case', entityId: 'c-limited' });
    expect(res.status).toBe(202);
    const jobs = api.context.get(JobsService);
    // Put back, not failed: it completes once the limit has passed.
    await eventually(async () => (await jobs.queue('ai-processing').getJobState(res.body.id)) === 'completed');
    const w = (await request(workerUrl).get('/metrics')).text;
    expect(w).toMatch(/^ethico_job_rate_limited_total\{queue="ai-processing",source="processor",role="worker"\} 1$/m);
    expect(w).not.toMatch(/ethico_job_failed_attempts_total\{queue="ai-processing",name="categorize",error="Error"/);
  });

  (promtool ? it : it.skip)('passes promtool check metrics (skipped only when promtool is not installed)', async () => {
    for (const text of [(await request(api.url!).get('/metrics')).text, (await request(workerUrl).get('/metrics')).text]) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ status: check.status, out: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, out: '' });
    }
  });

  it('scrapes cheaply, whatever the size of the dead-letter queue', async () => {
    // 500 pending dead letters: the dead-letter gauge reads a counter-set, not the entries.
    const deadLetters = api.context.get(DeadLetterService);
    for (let i = 0; i < 500; i++) {
      const job = {
        id: `bulk-${i}`,
        name: 'send-email',
        data: { organizationId: 'org-m' },
        stacktrace: [],
        attemptsMade: 3,
        processedOn: Date.now(),
        finishedOn: Date.now(),
        opts: {},
      };
      await deadLetters.record('email', job as unknown as Job, 'synthetic');
    }
    const N = 60;
    const cpu = process.cpuUsage();
    const times: number[] = [];
    let text = '';
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      text = (await request(api.url!).get('/metrics')).text;
      times.push(performance.now() - t);
      // Past the window in which concurrent scrapes share one Redis read, so each scrape reads afresh.
      await new Promise((r) => setTimeout(r, 110));
    }
    const used = process.cpuUsage(cpu);
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / N;
    // The server's share alone: collecting and serializing the registry (Redis reads included).
    const registry = api.context.get(MetricsRegistry);
    const direct: number[] = [];
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 110));
      const t = performance.now();
      await registry.metrics();
      direct.push(performance.now() - t);
    }
    direct.sort((a, b) => a - b);
    // For comparison: what counting by reading every entry (the console's list) costs.
    const scanStart = performance.now();
    await deadLetters.list({ status: 'pending' }, 0, 1);
    const fullScanMs = performance.now() - scanStart;
    const figures = {
      scrapes: N,
      medianMs: +times[Math.floor(N / 2)].toFixed(2),
      meanMs: +mean.toFixed(2),
      p95Ms: +times[Math.floor(N * 0.95)].toFixed(2),
      cpuMsPerScrape: +((used.user + used.system) / 1000 / N).toFixed(2),
      cpuMsTotal: Math.round((used.user + used.system) / 1000),
      bytes: text.length,
      registryMedianMs: +direct[10].toFixed(2),
      fullScanOfDeadLettersMs: +fullScanMs.toFixed(2),
    };
    console.log(`scrape cost with 501 dead letters: ${JSON.stringify(figures)}`);
    expect(text).toMatch(/^ethico_dead_letter_pending\{queue="email",role="api"\} 500$/m);
    // Scraped every 5 s, a scrape must cost a small fraction of that interval (the median, as
    // tests running in parallel on two cores make the tail noisy).
    expect(figures.medianMs).toBeLessThan(100);
    expect(figures.registryMedianMs).toBeLessThan(50);
  });

  it('answers liveness and readiness, on the API and on the worker port', async () => {
    for (const url of [api.url!, workerUrl]) {
      expect((await request(url).get('/health/live')).status).toBe(200);
      const ready = await request(url).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        info: { redis: { status: 'up' }, postgres: { status: 'up' }, workers: { status: 'up' } },
      });
    }
    expect((await request(workerUrl).get('/health/ready')).body.info.workers.queues).toEqual(['ai-processing']);
    expect((await request(api.url!).get('/health')).body).toEqual({ status: 'ok' });

    // A worker that stopped consuming makes its process unready, named as such.
    await worker.context.get(ScriptedAiProcessor).worker.close();
    const unready = await request(workerUrl).get('/health/ready');
    expect(unready.status).toBe(503);
    expect(unready.body).toMatchObject({
      message: 'not ready: workers',
      error: { workers: { status: 'down', message: 'no running worker for ai-processing' } },
    });
    expect((await request(workerUrl).get('/health/live')).status).toBe(200);
  });

  it('answers 503 naming the failing check when PostgreSQL is unreachable', async () => {
    const broken = await startTestApp({ APP_ROLE: 'api', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    try {
      expect((await request(broken.url!).get('/health/live')).status).toBe(200);
      const ready = await request(broken.url!).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        status: 'error',
        message: 'not ready: postgres',
        error: { postgres: { status: 'down' } },
        info: { redis: { status: 'up' } },
      });
    } finally {
      await broken.close();
    }
  });
});
