import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The sealed part of a job payload or result: AES-256-GCM under the tenant's data key. `kid` is the
 * master key that wrapped the data key when this was sealed (for diagnostics: a rewrap changes the
 * wrapping, not the data key, so `dk` alone finds the key); `dk` the data key's version.
 */
interface SealedBox {
  v: 1;
  kid: string;
  dk: number;
  /** base64: 12-byte nonce, 16-byte tag, ciphertext. */
  iv: string;
  tag: string;
  ct: string;
}

/**
 * What Redis holds for a job's data (and its return value): the tenant and the correlation id in
 * clear, so tenant checks, logs and metrics work without a key; everything else in `sealed`.
 */
export interface SealedData {
  organizationId: string;
  correlationId?: string;
  sealed: SealedBox;
}

export function isSealed(value: unknown): value is SealedData {
  if (typeof value !== 'object' || value === null) return false;
  const { organizationId, sealed: s } = value as Partial<SealedData>;
  // Anything less is not one of ours: it is validated as a plain payload (and fails as invalid).
  return (
    typeof organizationId === 'string' &&
    typeof s === 'object' &&
    s !== null &&
    s.v === 1 &&
    Number.isSafeInteger(s.dk) &&
    s.dk > 0 &&
    typeof s.kid === 'string' &&
    typeof s.iv === 'string' &&
    typeof s.tag === 'string' &&
    typeof s.ct === 'string'
  );
}

/**
 * Binds a ciphertext to its tenant and key version: a sealed box copied into another tenant's
 * envelope (the clear organizationId edited in Redis) fails to open instead of opening as theirs.
 */
export function payloadAad(organizationId: string, version: number): Buffer {
  return Buffer.from(`ethico:payload:v1\n${organizationId}\n${version}`);
}

const NONCE_BYTES = 12;
// Nonces come from a pooled random buffer: one randomBytes call per 512 seals instead of one each.
const POOL_NONCES = 512;
let noncePool = Buffer.alloc(0);
let nonceAt = 0;

function nextNonce(): Buffer {
  if (nonceAt >= noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * POOL_NONCES);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** AES-256-GCM with a random 96-bit nonce (a data key seals far fewer than the 2^32 messages that allows). */
export function sealWith(key: Buffer, aad: Buffer, plaintext: Buffer | string): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  // A string goes in as UTF-8 directly: no intermediate Buffer per payload.
  const ct = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext);
  // GCM is a stream mode: final() only computes the tag and returns no bytes.
  const rest = cipher.final();
  return { iv, tag: cipher.getAuthTag(), ct: rest.length ? Buffer.concat([ct, rest]) : ct };
}

/** Throws when the key, the associated data or any byte is wrong (GCM authenticates all of them). */
export function openWith(key: Buffer, aad: Buffer, iv: Buffer, tag: Buffer, ct: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plain = decipher.update(ct);
  const rest = decipher.final();
  return rest.length ? Buffer.concat([plain, rest]) : plain;
}

/** How a sealed payload shows where it is not revealed (dead-letter console, admin API): its clear fields and "sealed". */
export function sealedSummary(value: unknown): unknown {
  if (!isSealed(value)) return value;
  const { sealed, ...clear } = value;
  return { ...clear, sealed: `sealed (AES-256-GCM, data key v${sealed.dk}, master key ${sealed.kid})` };
}
