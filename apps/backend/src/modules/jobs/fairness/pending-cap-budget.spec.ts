import { PendingCapBudget } from './pending-cap-budget';

describe('PendingCapBudget', () => {
  let now = 0;
  const budget = () => new PendingCapBudget(500, () => now);
  beforeEach(() => (now = 1_000));

  it('admits nothing before a count', () => {
    expect(budget().take('k', 1)).toBe(false);
  });

  it('admits a quarter of the room left after a count, then asks for a count again', () => {
    const b = budget();
    b.counted('k', 60, 4, 100); // room after this write: 36, a quarter: 9
    const taken = Array.from({ length: 5 }, () => b.take('k', 2));
    expect(taken).toEqual([true, true, true, true, false]);
    expect(b.take('k', 1)).toBe(true);
    expect(b.take('k', 1)).toBe(false);
  });

  it('so four processes admitting on their own budgets stay within the cap', () => {
    const cap = 1_000;
    const pending = 400;
    const processes = Array.from({ length: 4 }, () => budget());
    processes.forEach((b) => b.counted('k', pending, 0, cap));
    let admitted = 0;
    for (const b of processes) while (b.take('k', 3)) admitted += 3;
    expect(pending + admitted).toBeLessThanOrEqual(cap);
    expect(admitted).toBeGreaterThan(0);
  });

  it('always counts exactly near the cap or with a small cap', () => {
    const b = budget();
    b.counted('small', 0, 1, 4); // room 3: under 4 per job
    expect(b.take('small', 1)).toBe(false);
    b.counted('near', 95, 1, 100);
    expect(b.take('near', 1)).toBe(true);
    expect(b.take('near', 1)).toBe(false);
  });

  it('expires: a count older than the TTL is not trusted', () => {
    const b = budget();
    b.counted('k', 0, 1, 1_000);
    now += 500;
    expect(b.take('k', 1)).toBe(false);
  });

  it('keys are independent (tenant and queue)', () => {
    const b = budget();
    b.counted('indexing\u0000org-a', 0, 1, 1_000);
    expect(b.take('indexing\u0000org-b', 1)).toBe(false);
    expect(b.take('indexing\u0000org-a', 1)).toBe(true);
  });
});
