import { Histogram, Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram';

const BUCKETS = [0.005, 0.01, 0.05, 0.1, 1, 10];
const SAMPLES: [string, string, number][] = [
  ['email', 'send-email', 0.001],
  ['email', 'send-email', 0.005],
  ['email', 'send-email', 0.007],
  ['email', 'dlq-digest', 2],
  ['indexing', 'create', 0.5],
  ['indexing', 'create', 42],
  ['email', 'send-email', 0.1],
];

function registries() {
  const theirs = new Registry();
  const ours = new Registry();
  for (const r of [theirs, ours]) r.setDefaultLabels({ role: 'worker' });
  const reference = new Histogram({
    name: 'h_seconds',
    help: 'help text',
    labelNames: ['queue', 'name'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const fast = new FastHistogram('h_seconds', 'help text', ['queue', 'name'], BUCKETS, [ours]);
  return { theirs, ours, reference, fast };
}

describe('FastHistogram', () => {
  it('renders exactly what prom-client renders for the same observations (text and JSON)', async () => {
    const { theirs, ours, reference, fast } = registries();
    for (const [queue, name, v] of SAMPLES) {
      reference.observe({ queue, name }, v);
      fast.series(queue, name).observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // prom-client adds `exemplar: null` to every value (exemplars are off); nothing else may differ.
    const withoutExemplars = (json: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      json.map((m) => ({ ...m, values: m.values.map((v) => Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'exemplar'))) }));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
    expect(await ours.metrics()).toMatch(/^h_seconds_bucket\{le="0\.01",role="worker",queue="email",name="send-email"\} 3$/m);
  });

  it('keeps counting into a series held across a reset, and ignores values that are not finite', async () => {
    const { ours, fast } = registries();
    const series = fast.series('email', 'send-email');
    series.observe(0.2);
    ours.resetMetrics();
    series.observe(0.02);
    series.observe(Number.NaN);
    const text = await ours.metrics();
    expect(text).toMatch(/^h_seconds_count\{role="worker",queue="email",name="send-email"\} 1$/m);
    expect(text).toMatch(/^h_seconds_sum\{role="worker",queue="email",name="send-email"\} 0\.02$/m);
  });

  it('refuses a label list of the wrong length', () => {
    expect(() => registries().fast.series('email')).toThrow(/expected labels queue, name/);
  });
});
