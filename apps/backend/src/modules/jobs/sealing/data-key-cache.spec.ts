import { DataKeyCache } from './data-key-cache';

describe('DataKeyCache', () => {
  afterEach(() => jest.useRealTimers());

  it('drops the least recently used entry beyond its bound (use noted at most once a second)', () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new DataKeyCache<number>(2, 60_000);
    cache.set('a', 1);
    cache.set('b', 2);
    jest.setSystemTime(1_000);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
  });

  it('does not reorder on a use within a second of the last', () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new DataKeyCache<number>(2, 60_000);
    cache.set('a', 1);
    cache.set('b', 2);
    jest.setSystemTime(500);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('forgets entries after their time to live', () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new DataKeyCache<number>(10, 1_000);
    cache.set('a', 1);
    jest.setSystemTime(999);
    expect(cache.get('a')).toBe(1);
    jest.setSystemTime(1_000);
    expect(cache.get('a')).toBeUndefined();
  });

  it('deletes by predicate', () => {
    const cache = new DataKeyCache<number>(10, 1_000);
    cache.set('org-a\u00001', 1);
    cache.set('org-b\u00001', 2);
    cache.deleteWhere((k) => k.startsWith('org-a\u0000'));
    expect([cache.get('org-a\u00001'), cache.get('org-b\u00001')]).toEqual([undefined, 2]);
  });
});
