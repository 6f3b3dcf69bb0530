/** Budgets kept at most: one per tenant and queue written to recently. */
const MAX_KEYS = 10_000;

/**
 * Local admissions against a tenant's pending cap, so that a case write far below the cap does not
 * ask Redis for the tenant's pending count (one script per queue) while it holds its case-number lock.
 *
 * After an exact count, this process may admit on its own, for `ttlMs`, up to a quarter of the room
 * left under the cap; then (or sooner, near the cap) it counts again. Up to four API processes
 * together admit at most the room there was, so the cap holds exactly for them; jobs enqueued
 * directly (checked atomically in Redis) meanwhile can take a tenant past its cap by at most what its
 * staged writes add in `ttlMs`. A small cap (room under 4 jobs per write) is always counted exactly.
 */
export class PendingCapBudget {
  private readonly budgets = new Map<string, { left: number; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Admits `count` jobs without a count if this process's budget for the key allows it. */
  take(key: string, count: number): boolean {
    const budget = this.budgets.get(key);
    if (!budget || budget.until <= this.now() || budget.left < count) return false;
    budget.left -= count;
    return true;
  }

  /** After an exact count that admitted `count` jobs: the budget until the next one. */
  counted(key: string, pending: number, count: number, cap: number): void {
    const left = Math.floor((cap - pending - count) / 4);
    if (left < 1) {
      this.budgets.delete(key);
      return;
    }
    // Bounded (MAX_KEYS): expired budgets go first, then the oldest.
    if (this.budgets.size >= MAX_KEYS) {
      for (const [k, b] of this.budgets) if (b.until <= this.now()) this.budgets.delete(k);
      if (this.budgets.size >= MAX_KEYS) this.budgets.delete(this.budgets.keys().next().value!);
    }
    this.budgets.delete(key);
    this.budgets.set(key, { left, until: this.now() + this.ttlMs });
  }
}
