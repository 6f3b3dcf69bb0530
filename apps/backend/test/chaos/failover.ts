import type { Cluster } from './cluster';
import type { Ledger } from './ledger';
import { LoadResult, unexpectedStatuses } from './load';

export const percentile = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : 0;

/**
 * What every failover scenario asserts whatever it measures: only the statuses the API documents,
 * every job of the load accepted, every accepted job (and the probe) finished, dead-lettered or
 * counted lost (measured, not hidden), and no worker process restarted.
 */
export function expectAccountedFor(run: { c: Cluster; load: LoadResult; result: Ledger; figures: { total: number } }): void {
  expect(unexpectedStatuses(run.load.statuses)).toEqual([]);
  expect(run.load.accepted).toHaveLength(run.figures.total);
  expect(run.result.completed + run.result.deadLettered + run.result.lost.length).toBe(run.load.accepted.length + 1);
  expect(run.c.workers.every((w) => w.process.exitCode === null)).toBe(true);
}
