import { concurrencyFor, FULL_SHARE, nextYieldState, pausedAt, PAUSE_BELOW, YieldReading, YieldState } from './worker-yield.service';

const LIMIT = 5;
const serving = (lagMs: number): YieldReading => ({ requests: 3, inFlight: 0, lagMs });
const quiet = (lagMs: number): YieldReading => ({ requests: 0, inFlight: 0, lagMs });
const run = (readings: YieldReading[], from: YieldState = FULL_SHARE) => readings.reduce((s, r) => nextYieldState(s, r, LIMIT), from);
const late = (n: number) => Array<YieldReading>(n).fill(serving(12));

describe('worker yield: share of concurrency', () => {
  it('halves while requests are served and the loop is late', () => {
    expect(run(late(1)).share).toBe(0.5);
    expect(run(late(3)).share).toBe(0.125);
  });

  it('counts a request still unanswered as serving', () => {
    expect(nextYieldState(FULL_SHARE, { requests: 0, inFlight: 1, lagMs: 12 }, LIMIT).share).toBe(0.5);
  });

  it('never yields without requests, however late the loop', () => {
    expect(run([quiet(50), quiet(50), quiet(50)]).share).toBe(1);
  });

  it('gives back a step per calm tick, and holds between half the limit and the limit', () => {
    const low = run(late(2));
    expect(nextYieldState(low, serving(1), LIMIT).share).toBeCloseTo(0.35);
    expect(nextYieldState(low, serving(4), LIMIT).share).toBe(0.25);
    expect(run(Array<YieldReading>(20).fill(serving(1)), low).share).toBe(1);
  });

  it('gives everything back after a second without requests', () => {
    const low = run(late(3));
    expect(run([quiet(12), quiet(12), quiet(12)], low).share).toBe(low.share);
    expect(run([quiet(12), quiet(12), quiet(12), quiet(12)], low)).toMatchObject({ share: 1, pausedTicks: 0 });
    // A request in between starts the quiet second over.
    expect(run([quiet(0), quiet(0), quiet(0), serving(4), quiet(0)], low).share).toBe(low.share);
  });

  it('pauses below a tenth, for a second at most, however late the loop stays', () => {
    const paused = run(late(4));
    expect(paused.share).toBe(0.0625);
    expect(pausedAt(paused.share)).toBe(true);
    expect(pausedAt(run(late(3)).share)).toBe(false);
    // Three more late ticks: still paused; the fourth paused tick ends the pause.
    expect(pausedAt(run(late(3), paused).share)).toBe(true);
    expect(run(late(4), paused)).toMatchObject({ share: PAUSE_BELOW, pausedTicks: 0 });
    expect(pausedAt(PAUSE_BELOW)).toBe(false);
    // Quiet ticks in between (requests now and then) count towards the second too.
    const sporadic = [quiet(12), quiet(12), serving(12), quiet(12)];
    expect(run(sporadic, paused)).toMatchObject({ share: PAUSE_BELOW, pausedTicks: 0 });
  });

  it('keeps every worker that is not paused at one job or more', () => {
    expect(concurrencyFor(10, 1)).toBe(10);
    expect(concurrencyFor(20, 0.25)).toBe(5);
    expect(concurrencyFor(5, 0.125)).toBe(1);
    expect(concurrencyFor(10, PAUSE_BELOW)).toBe(1);
  });
});
