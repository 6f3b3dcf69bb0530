import { z } from 'zod';
import { list, problem } from '../fields';
import { NODE_ENV } from '../shared-variables';

/** One master key of the ring: its id (stored beside every data key it wraps) and its 32 bytes, base64. */
export interface MasterKey {
  kid: string;
  key: string;
}

/**
 * The development master key: public, so anything sealed under it is readable by anyone with the
 * source. Production refuses it, and refuses to start without PAYLOAD_KEYS.
 */
export const DEV_MASTER_KEY: MasterKey = { kid: 'dev', key: 'ZXRoaWNvLWRldmVsb3BtZW50LW1hc3Rlci1rZXktMzI=' };

const KID = /^[A-Za-z0-9_-]{1,32}$/;

function parseRing(raw: string, ctx: z.RefinementCtx): MasterKey[] {
  const keys: MasterKey[] = [];
  for (const item of list(raw)) {
    const colon = item.indexOf(':');
    const kid = colon > 0 ? item.slice(0, colon) : '';
    const key = item.slice(colon + 1);
    if (!KID.test(kid)) {
      problem(
        ctx,
        'PAYLOAD_KEYS',
        `each key must be written <id>:<base64 of 32 bytes>, the id of letters, digits, _ or - (got "${kid || item.slice(0, 8)}…")`,
      );
      continue;
    }
    if (Buffer.from(key, 'base64').length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      problem(ctx, 'PAYLOAD_KEYS', `key ${kid} must be 32 bytes in base64 (openssl rand -base64 32)`);
      continue;
    }
    if (keys.some((k) => k.kid === kid)) problem(ctx, 'PAYLOAD_KEYS', `names the key id ${kid} twice`);
    keys.push({ kid, key });
  }
  if (keys.length === 0 && raw.trim()) problem(ctx, 'PAYLOAD_KEYS', 'must name at least one key');
  return keys;
}

export const payloadKeysSection = z.object({ NODE_ENV, PAYLOAD_KEYS: z.string().optional() }).transform((e, ctx) => {
  const ring = e.PAYLOAD_KEYS === undefined ? [] : parseRing(e.PAYLOAD_KEYS, ctx);
  if (e.NODE_ENV === 'production') {
    if (e.PAYLOAD_KEYS === undefined) problem(ctx, 'PAYLOAD_KEYS', 'must be set when NODE_ENV=production (payloads are sealed under it)');
    if (ring.some((k) => k.key === DEV_MASTER_KEY.key))
      problem(ctx, 'PAYLOAD_KEYS', 'must not hold the development key when NODE_ENV=production');
  }
  const keys = ring.length ? ring : [DEV_MASTER_KEY];
  return {
    /** The first key of PAYLOAD_KEYS wraps new data keys; the others only unwrap. */
    currentKid: keys[0].kid,
    keys,
    /** No PAYLOAD_KEYS: the public development key is in use (a warning at startup). */
    developmentKey: ring.length === 0,
  };
});
