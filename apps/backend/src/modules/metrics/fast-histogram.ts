import type { Metric, Registry } from 'prom-client';

/** One label set's series. */
interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: number[];
  sum: number;
  count: number;
  handle: HistogramSeries;
}

/** One label set's handle: observing on it adds to that series. */
export interface HistogramSeries {
  observe(value: number): void;
}

/**
 * A Prometheus histogram for the per-job path. prom-client's Histogram validates and hashes the
 * labels object on every observe, even through `labels(...)`, which costs microseconds per job at
 * thousands of jobs per second. Here a label set is found by one map lookup per label
 * (`series(...)`), with no key built or hashed, and an observe is a bucket search and three
 * additions. The exposition is prom-client's own: the registry renders what `get()` returns
 * exactly as it renders a Histogram (a spec compares the two).
 */
export class FastHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: number[];
  private readonly all: Series[] = [];
  /** Label values, one level per label, to the series: no key string built per observe. */
  private readonly index = new Map<string, unknown>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: number[],
    registers: Registry[],
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    // prom-client duck-types what it registers (name, help, type, get, reset); its typings list its own classes only.
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series for these label values, in `labelNames` order: a map lookup per label, made on first use. */
  series(...values: string[]): HistogramSeries {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected labels ${this.labelNames.join(', ')}`);
    let node = this.index;
    for (let i = 0; i < values.length - 1; i++) {
      let next = node.get(values[i]) as Map<string, unknown> | undefined;
      if (!next) node.set(values[i], (next = new Map()));
      node = next;
    }
    const last = values[values.length - 1];
    let series = node.get(last) as Series | undefined;
    if (!series) {
      const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]]));
      const bounds = this.bounds;
      const s: Series = {
        labels,
        counts: new Array<number>(bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
        handle: {
          observe(value: number): void {
            if (!Number.isFinite(value)) return;
            let i = 0;
            while (i < bounds.length && value > bounds[i]) i++;
            s.counts[i]++;
            s.sum += value;
            s.count++;
          },
        },
      };
      this.all.push(s);
      node.set(last, s);
      series = s;
    }
    return series.handle;
  }

  /** What prom-client's registry renders: the layout a prom-client Histogram gives it (`le` first, then the series' labels). */
  async getForPromString() {
    const values: { labels: { le?: number | string }; sharedLabels: Record<string, string>; value: number; metricName: string }[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ labels: { le }, sharedLabels: s.labels, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (registry.getMetricsAsJSON): each value's labels in one object. */
  async get() {
    const data = await this.getForPromString();
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...v }) => ({ ...v, labels: { ...labels, ...sharedLabels } })) };
  }

  /** Series handed out keep counting into the same objects, so reset zeroes them in place. */
  reset(): void {
    for (const s of this.all) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
