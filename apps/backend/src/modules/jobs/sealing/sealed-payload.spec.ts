import { randomBytes } from 'node:crypto';
import { MasterKeyRing } from './master-key-ring';
import { PayloadKeyError } from './payload-key.errors';
import { isSealed, openWith, payloadAad, sealedSummary, sealWith } from './sealed-payload';

describe('sealed payloads', () => {
  const key = randomBytes(32);
  const box = { v: 1, kid: 'k1', dk: 1, iv: 'a', tag: 'b', ct: 'c' };

  it('opens what it sealed, and nothing altered or bound elsewhere', () => {
    const aad = payloadAad('org-a', 1);
    const { iv, tag, ct } = sealWith(key, aad, Buffer.from('{"content":"secret"}'));
    expect(openWith(key, aad, iv, tag, ct).toString()).toBe('{"content":"secret"}');
    expect(() => openWith(key, payloadAad('org-b', 1), iv, tag, ct)).toThrow();
    expect(() => openWith(key, payloadAad('org-a', 2), iv, tag, ct)).toThrow();
    const flipped = Buffer.from(ct);
    flipped[0] ^= 1;
    expect(() => openWith(key, aad, iv, tag, flipped)).toThrow();
    expect(() => openWith(randomBytes(32), aad, iv, tag, ct)).toThrow();
  });

  it('never reuses a nonce', () => {
    const nonces = new Set(Array.from({ length: 2000 }, () => sealWith(key, Buffer.alloc(0), Buffer.from('x')).iv.toString('hex')));
    expect(nonces.size).toBe(2000);
  });

  it.each([
    [{ organizationId: 'o', sealed: box }, true],
    [{ organizationId: 'o', sealed: { ...box, dk: '1' } }, false],
    [{ organizationId: 'o', sealed: { ...box, dk: 0 } }, false],
    [{ organizationId: 'o', sealed: { ...box, ct: 5 } }, false],
    [{ organizationId: 'o', sealed: { ...box, v: 2 } }, false],
    [{ sealed: box }, false],
    [{ organizationId: 'o', content: 'plain' }, false],
    [null, false],
  ])('isSealed(%o) is %s', (value, expected) => {
    expect(isSealed(value)).toBe(expected);
  });

  it('summarizes a sealed payload without its box', () => {
    expect(sealedSummary({ organizationId: 'o', correlationId: 'c', sealed: box })).toEqual({
      organizationId: 'o',
      correlationId: 'c',
      sealed: 'sealed (AES-256-GCM, data key v1, master key k1)',
    });
    expect(sealedSummary({ organizationId: 'o', to: 'x' })).toEqual({ organizationId: 'o', to: 'x' });
  });
});

describe('MasterKeyRing', () => {
  const k1 = { kid: 'k1', key: randomBytes(32).toString('base64') };
  const k2 = { kid: 'k2', key: randomBytes(32).toString('base64') };

  it('wraps under the current key and unwraps under any key of the ring', () => {
    const dataKey = randomBytes(32);
    const old = new MasterKeyRing([k1], 'k1').wrap('org-a', 1, dataKey);
    const ring = new MasterKeyRing([k2, k1], 'k2');
    expect(ring.unwrap(old.kid, 'org-a', 1, old.wrapped)).toEqual(dataKey);
    expect(ring.wrap('org-a', 1, dataKey).kid).toBe('k2');
  });

  it('refuses a key it does not hold, another tenant, another version', () => {
    const { wrapped } = new MasterKeyRing([k1], 'k1').wrap('org-a', 1, randomBytes(32));
    expect(() => new MasterKeyRing([k2], 'k2').unwrap('k1', 'org-a', 1, wrapped)).toThrow(/master key k1 .* is not in PAYLOAD_KEYS/);
    const ring = new MasterKeyRing([k1], 'k1');
    expect(() => ring.unwrap('k1', 'org-b', 1, wrapped)).toThrow(PayloadKeyError);
    expect(() => ring.unwrap('k1', 'org-a', 2, wrapped)).toThrow(PayloadKeyError);
    // Same id, other bytes (a mistyped key): a clear error, not garbage.
    expect(() => new MasterKeyRing([{ kid: 'k1', key: k2.key }], 'k1').unwrap('k1', 'org-a', 1, wrapped)).toThrow(/does not unwrap/);
  });
});
