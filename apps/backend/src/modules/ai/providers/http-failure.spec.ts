import { retryAfter } from './http-failure';

describe('retryAfter', () => {
  const h = (init: Record<string, string>) => new Headers(init);
  it.each<[Record<string, string>, number | undefined]>([
    [{ 'retry-after': '2' }, 2000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after-ms': '1500', 'retry-after': '2' }, 1500],
    [{ 'retry-after': new Date(10_000 + 3000).toUTCString() }, 3000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j -> %s ms', (headers, expected) => {
    expect(retryAfter(h(headers), 10_000)).toBe(expected);
  });
});
