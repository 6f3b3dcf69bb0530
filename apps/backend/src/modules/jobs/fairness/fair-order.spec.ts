import { INDEXING_QUEUE, SCHEDULED_QUEUE } from '../queues';
import { BAND_WIDTH, bandStart, fairDefaultJobOptions, isFairQueue, tierOfPriority } from './fair-order';

describe('priority bands', () => {
  it('gives each tier its own band, all within BullMQ priorities (at most 2^21)', () => {
    expect([bandStart('high'), bandStart('normal'), bandStart('low')]).toEqual([1, 1 + BAND_WIDTH, 1 + 2 * BAND_WIDTH]);
    expect(bandStart('low') + BAND_WIDTH - 1).toBeLessThanOrEqual(2 ** 21);
    // priority × 2^32 + counter stays exact in a double.
    expect((bandStart('low') + BAND_WIDTH) * 2 ** 32 + 2 ** 32).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    [1, false, 'high'],
    [2, false, 'normal'],
    [5, false, 'low'],
    [1, true, 'high'],
    [BAND_WIDTH, true, 'high'],
    [BAND_WIDTH + 1, true, 'normal'],
    [2 * BAND_WIDTH + 1, true, 'low'],
    [3 * BAND_WIDTH, true, 'low'],
  ] as const)('reads priority %i (banded: %s) as tier %s', (priority, banded, tier) => {
    expect(tierOfPriority(priority, banded)).toBe(tier);
  });

  it('defaults a fair queue to its default tier’s band start, and leaves the scheduled queue classic', () => {
    expect(isFairQueue(INDEXING_QUEUE, true)).toBe(true);
    expect(isFairQueue(INDEXING_QUEUE, false)).toBe(false);
    expect(isFairQueue(SCHEDULED_QUEUE, true)).toBe(false);
    const priority = (o: object) => (o as { priority?: number }).priority;
    expect(priority(fairDefaultJobOptions(INDEXING_QUEUE, true))).toBe(bandStart('low'));
    expect(priority(fairDefaultJobOptions(INDEXING_QUEUE, false))).toBe(5);
    expect(priority(fairDefaultJobOptions(SCHEDULED_QUEUE, true))).toBe(2);
  });
});
