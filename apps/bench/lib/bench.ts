import type { BenchServers } from './servers';

/** What every benchmark gets: the private servers, the run's size, and a log line printer. */
export interface BenchContext {
  servers: BenchServers;
  quick: boolean;
  rounds: number;
  log(message: string): void;
}

/** A benchmark: `run` measures and returns raw rounds (saved as JSON); `render` writes its report section. */
export interface Benchmark<R = unknown> {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<R>;
  /** Markdown for docs/BENCHMARKS.md; may write SVG charts into `chartDir` (linked as `chartLink/<file>`). */
  render(result: R, charts: ChartSink): string;
  /** The figures that go in the summary table at the top of the report. */
  headline(result: R): Headline[];
}

export interface Headline {
  figure: string;
  value: string;
  target: string;
  verdict: 'pass' | 'miss' | '–';
}

export const verdict = (ok: boolean): 'pass' | 'miss' => (ok ? 'pass' : 'miss');

export interface ChartSink {
  /** Saves an SVG and returns the markdown image link to it. */
  save(file: string, svg: string, alt: string): string;
}

/** Stored JSON: the result plus when and where it was measured. */
export interface StoredResult<R = unknown> {
  name: string;
  title: string;
  finishedAt: string;
  durationS: number;
  quick: boolean;
  rounds: number;
  machine: MachineInfo;
  result: R;
}

export interface MachineInfo {
  os: string;
  cpus: string;
  cores: number;
  memoryGiB: number;
  node: string;
  redis: string;
  postgres: string;
  loadAverage: number[];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Round r runs the systems starting at a different one, so none always goes first. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
