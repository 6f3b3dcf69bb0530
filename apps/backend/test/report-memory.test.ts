import request from 'supertest';
import { DatabaseService } from '../src/modules/database/database.service';
import { startTestApp, TestApp } from './harness/app';
import { testEnv } from './harness/config';
import { bearer } from './harness/http';
import { Child, rssOf, spawnFixture, waitForOutput } from './harness/processes';
import { eventually } from './harness/wait';

/**
 * The export memory bench: a 100,000-case export in a worker process of its own, whose resident
 * memory is sampled every 50 ms; it must grow by less than 50 MB over the process's size after a
 * warm-up export. Slow (about a minute), so it runs only with REPORT_MEMORY=1:
 *   REPORT_MEMORY=1 npx jest test/report-memory.test.ts
 */
const CASES = Number(process.env.REPORT_MEMORY_CASES ?? 100_000);
const LIMIT_BYTES = 50 * 1024 * 1024;
const maybe = process.env.REPORT_MEMORY === '1' ? describe : describe.skip;

maybe(`report export memory (${CASES} cases)`, () => {
  const org = `org-mem-${Date.now().toString(36)}`;
  let env: ReturnType<typeof testEnv>;
  let api: TestApp;
  let worker: Child;

  const exportOnce = async (format: 'csv' | 'xlsx', sample?: (rss: number) => void) => {
    const res = await request(api.url!).post('/api/v1/jobs/reports').set(bearer(org)).send({ format });
    expect(res.status).toBe(202);
    const timer = sample ? setInterval(() => sample(rssOf(worker.process.pid!)), 50) : undefined;
    const started = Date.now();
    try {
      const done = await eventually(
        async () => {
          const v = (await request(api.url!).get(`/api/v1/jobs/reports/${res.body.id}`).set(bearer(org))).body;
          if (v.state === 'failed') throw new Error(v.failedReason);
          return v.state === 'completed' && v;
        },
        600_000,
        200,
      );
      return { ...done.result, ms: Date.now() - started };
    } finally {
      clearInterval(timer);
    }
  };

  beforeAll(async () => {
    env = testEnv();
    api = await startTestApp({ ...env, APP_ROLE: 'api' });
    const db = api.context.get(DatabaseService);
    // Descriptions of a realistic length (about 400 characters), every one different.
    await db.query(
      `INSERT INTO cases (organization_id, number, title, description, category, assignee_email)
       SELECT $1, g, 'Case ' || g || ': expense approvals in the regional office',
              repeat(md5(g::text) || ' reported by an employee, ', 8), 'finance', 'case.owner' || g % 50 || '@example.com'
       FROM generate_series(1, $2::int) g`,
      [org, CASES],
    );
    // As autovacuum would soon: a plan made without statistics on 100,000 fresh rows can sort every batch.
    await db.query('ANALYZE cases');
    worker = spawnFixture('reports-worker.main.ts', { ...env, APP_ROLE: 'worker', WORKER_QUEUES: 'reports' });
    await waitForOutput(worker, 'ready', 60_000);
  }, 300_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await api?.close();
  });

  it.each(['csv', 'xlsx'] as const)(
    '%s: worker RSS grows by less than 50 MB',
    async (format) => {
      // Warm-up: code loaded, pools connected, allocator settled.
      await exportOnce(format);
      const baseline = rssOf(worker.process.pid!);
      let peak = baseline;
      const result = await exportOnce(format, (rss) => (peak = Math.max(peak, rss)));
      expect(result.rows).toBe(CASES);
      const growth = peak - baseline;
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      console.log(
        `${format} export of ${CASES} cases: ${result.ms} ms, ${mb(result.bytes)} MB file, worker RSS ${mb(baseline)} MB -> peak ${mb(peak)} MB (+${mb(growth)} MB)`,
      );
      expect(growth).toBeLessThan(LIMIT_BYTES);
    },
    900_000,
  );
});
