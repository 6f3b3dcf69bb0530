import { randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';
import type { ScryptSecret } from '../../config/admin-accounts';

const KEY_LENGTH = 32;
const DEFAULT_SCRYPT = { N: 16384, r: 8, p: 1 };

function derive(password: string, salt: Buffer, keyLength: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, { ...opts, maxmem: 256 * opts.N! * opts.r! }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** The ADMIN_USERS hash format: `scrypt.N.r.p.salt.key`, salt and key in base64url. */
export async function hashPassword(password: string, params = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, KEY_LENGTH, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('.');
}

export async function verifyScrypt(password: string, secret: ScryptSecret): Promise<boolean> {
  const key = await derive(password, secret.salt, secret.key.length, { N: secret.N, r: secret.r, p: secret.p });
  return timingSafeEqual(key, secret.key);
}
