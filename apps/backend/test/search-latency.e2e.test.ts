import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

const SAMPLES = 40;
const PARALLEL = 4;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Benchmark: the delay from "POST /cases answered" to "the case is found by search", API and workers in one process. */
describe('create-to-searchable delay', () => {
  let app: TestApp;
  const org = `org-latency-${Date.now().toString(36)}`;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'all' });
  });
  afterAll(() => app.close());

  it(`is a few seconds at most (median and p95 over ${SAMPLES} cases)`, async () => {
    const delays: number[] = [];
    const measure = async (i: number) => {
      const word = `marker${i}x${Date.now().toString(36)}`;
      const start = Date.now();
      const res = await request(app.url!)
        .post('/api/v1/cases')
        .set(bearer(org))
        .send({ title: `Latency ${i}`, description: `contains ${word}` });
      expect(res.status).toBe(201);
      await eventually(
        async () => {
          const found = await request(app.url!).get('/api/v1/search').query({ q: word }).set(bearer(org));
          return found.body.total === 1;
        },
        5_000,
        10,
      );
      delays.push(Date.now() - start);
    };
    for (let i = 0; i < SAMPLES; i += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, SAMPLES - i) }, (_, k) => measure(i + k)));
    }
    const sorted = [...delays].sort((a, b) => a - b);
    const median = percentile(sorted, 50);
    const p95 = percentile(sorted, 95);
    console.log(
      `create-to-searchable over ${SAMPLES} cases (${PARALLEL} at a time): median ${median} ms, p95 ${p95} ms, max ${sorted.at(-1)} ms`,
    );
    expect(p95).toBeLessThan(5_000);
  });
});
