/** Small, dependency-free statistics for benchmark rounds. Inputs are never mutated. */

export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Linear-interpolated percentile (the "R-7" definition spreadsheets use); p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0..100`);
  const s = sorted(values);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: median(values),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
    p25: percentile(values, 25),
    p75: percentile(values, 75),
  };
}

/** Per-round ratios ours/reference: rounds are paired because they ran back to back. */
export function pairedRatios(ours: readonly number[], reference: readonly number[]): number[] {
  const n = Math.min(ours.length, reference.length);
  return Array.from({ length: n }, (_, i) => ours[i] / reference[i]);
}

/** Rounds a number for a table: 3 significant digits, no exponent for everyday magnitudes. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 10 ** digits) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

/** "1.02 (0.97–1.05)": median with min–max spread. */
export function fmtSummary(s: Summary, digits = 3): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}
