import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { PayloadKeyError } from './payload-key.errors';

/**
 * A sealed file (a report): AES-256-GCM under the tenant's data key, in segments of 64 KiB, each
 * with its own tag, so every byte a reader passes on was authenticated first (a single GCM stream
 * would only find an alteration after handing out the whole file). Layout: magic `ESF2`, the data
 * key's version (uint32 BE), an 8-byte nonce prefix, then segments: ciphertext and a 16-byte tag.
 * Segment i's nonce is the prefix and i (uint32 BE); its associated data binds the file's subject,
 * the header, i and whether it is the last, so segments cannot be reordered, dropped or cut short.
 */
const MAGIC = Buffer.from('ESF2');
const PREFIX_BYTES = 8;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 4 + PREFIX_BYTES;
export const SEGMENT_BYTES = 64 * 1024;
const RECORD_BYTES = SEGMENT_BYTES + TAG_BYTES;

/** The plaintext size of a sealed file of `storedBytes` (every segment is full but the last, which holds at least a byte unless the file is empty). */
export function sealedPlaintextBytes(storedBytes: number): number {
  const body = storedBytes - HEADER_BYTES;
  return body - TAG_BYTES * Math.max(1, Math.ceil(body / RECORD_BYTES));
}

/** Bytes waiting to make a segment, kept as chunks: many small writes are not copied again at each one. */
class Pending {
  private chunks: Buffer[] = [];
  length = 0;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first n bytes (n at most length), removed. */
  take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return all.subarray(0, n);
  }
}

class SegmentCipher {
  private index = 0;

  constructor(
    private readonly key: Buffer,
    private readonly header: Buffer,
    private readonly aad: Buffer,
  ) {}

  private nonceAndAad(last: boolean): { nonce: Buffer; aad: Buffer } {
    if (this.index >= 0xffffffff) throw new Error('sealed file too large');
    const position = Buffer.alloc(5);
    position.writeUInt32BE(this.index++);
    position[4] = last ? 1 : 0;
    return {
      nonce: Buffer.concat([this.header.subarray(MAGIC.length + 4), position.subarray(0, 4)]),
      aad: Buffer.concat([this.aad, this.header, position]),
    };
  }

  seal(plain: Buffer, last: boolean): Buffer {
    const { nonce, aad } = this.nonceAndAad(last);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(aad);
    const ct = cipher.update(plain);
    cipher.final();
    return Buffer.concat([ct, cipher.getAuthTag()]);
  }

  open(record: Buffer, last: boolean): Buffer {
    const { nonce, aad } = this.nonceAndAad(last);
    if (record.length < TAG_BYTES) throw new Error('truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    const plain = decipher.update(record.subarray(0, record.length - TAG_BYTES));
    decipher.final();
    return plain;
  }
}

/** Encrypts what is written to it; the output is the whole sealed file. */
export function sealingStream(key: Buffer, version: number, aad: Buffer): Transform {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header);
  header.writeUInt32BE(version, MAGIC.length);
  randomBytes(PREFIX_BYTES).copy(header, MAGIC.length + 4);
  const segments = new SegmentCipher(key, header, aad);
  const pending = new Pending();
  let started = false;
  const start = (stream: Transform) => {
    if (!started) stream.push(header);
    started = true;
  };
  return new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      start(this);
      pending.add(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      // Strictly more than a segment: what is left at the end is the last segment, never empty unless the file is.
      while (pending.length > SEGMENT_BYTES) this.push(segments.seal(pending.take(SEGMENT_BYTES), false));
      done();
    },
    flush(done) {
      start(this);
      done(null, segments.seal(pending.take(pending.length), true));
    },
  });
}

/**
 * The plaintext of a sealed file. The header is read and the key resolved before this resolves, so
 * a file that cannot be opened (its key destroyed, not a sealed file) is a PayloadKeyError before
 * anything is sent; a segment altered, dropped or cut is an error of the returned stream before any
 * of its bytes pass.
 */
export async function openingStream(source: Readable, keyFor: (version: number) => Promise<Buffer>, aad: Buffer): Promise<Readable> {
  const header = await readExactly(source, HEADER_BYTES);
  if (!header || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
    source.destroy();
    throw new PayloadKeyError('not a sealed file: its header is missing or unknown');
  }
  let key: Buffer;
  try {
    key = await keyFor(header.readUInt32BE(MAGIC.length));
  } catch (err) {
    source.destroy();
    throw err;
  }
  const segments = new SegmentCipher(key, header, aad);
  const unreadable = () => new PayloadKeyError('sealed file does not open under its data key: altered, truncated or misfiled');
  const pending = new Pending();
  const opening = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending.add(chunk);
      try {
        // A full record with more after it is not the last one.
        while (pending.length > RECORD_BYTES) this.push(segments.open(pending.take(RECORD_BYTES), false));
      } catch {
        return done(unreadable());
      }
      done();
    },
    flush(done) {
      try {
        done(null, segments.open(pending.take(pending.length), true));
      } catch {
        done(unreadable());
      }
    },
  });
  source.on('error', (err) => opening.destroy(err));
  return source.pipe(opening);
}

/** The first n bytes of a stream (the rest stays readable), or null if it ends before. */
async function readExactly(stream: Readable, n: number): Promise<Buffer | null> {
  for (;;) {
    // At the end, read(n) gives what is left, which is less than n.
    const chunk = stream.read(n) as Buffer | null;
    if (chunk) return chunk.length === n ? chunk : null;
    if (stream.readableEnded || stream.destroyed) return null;
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        stream.off('readable', settle).off('end', settle).off('error', settle);
        if (err) reject(err);
        else resolve();
      };
      stream.on('readable', settle).on('end', settle).on('error', settle);
    });
  }
}
