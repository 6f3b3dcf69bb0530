import { CsrfTokens } from './csrf';
import { age } from './dead-letter.views';

describe('console building blocks', () => {
  it('issues CSRF tokens bound to the user and to time', () => {
    const tokens = new CsrfTokens('s'.repeat(40));
    const now = Date.now();
    const token = tokens.issue('alice', now);
    expect(tokens.verify('alice', token, now + 1000)).toBe(true);
    expect(tokens.verify('bob', token, now + 1000)).toBe(false);
    expect(tokens.verify('alice', token, now + 13 * 3600_000)).toBe(false);
    expect(tokens.verify('alice', `${token}x`, now)).toBe(false);
    expect(tokens.verify('alice', undefined, now)).toBe(false);
    expect(new CsrfTokens('t'.repeat(40)).verify('alice', token, now)).toBe(false);
  });

  it.each([
    [30_000, '30s'],
    [5 * 60_000, '5m'],
    [3 * 3600_000 + 12 * 60_000, '3h 12m'],
    [3 * 86400_000 + 2 * 3600_000, '3d 2h'],
  ])('shows an age of %i ms as %s', (ms, text) => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(age(new Date(now - ms).toISOString(), now)).toBe(text);
  });
});
