import { fmt, median, pairedRatios, percentile, summarize } from './stats';

describe('bench stats', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 10, 1000], 10],
  ])('median of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it.each([
    [0, 1],
    [25, 3.25],
    [50, 5.5],
    [99, 9.91],
    [100, 10],
  ])('interpolates percentile %d of 1..10', (p, expected) => {
    const values = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(percentile(values, p)).toBeCloseTo(expected, 10);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('answers NaN for no values and rejects a percentile outside 0..100', () => {
    expect(median([])).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarizes min, max, quartiles and median', () => {
    expect(summarize([1, 2, 3, 4, 5])).toEqual({ n: 5, median: 3, min: 1, max: 5, p25: 2, p75: 4 });
  });

  it('pairs rounds for ratios', () => {
    expect(pairedRatios([2, 3, 4], [1, 3])).toEqual([2, 1]);
  });

  it('formats to three significant digits', () => {
    expect(fmt(0.98765)).toBe('0.988');
    expect(fmt(12345.6)).toBe('12,346');
    expect(fmt(NaN)).toBe('n/a');
  });
});
