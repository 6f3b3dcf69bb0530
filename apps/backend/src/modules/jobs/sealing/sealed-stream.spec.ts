import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { PayloadKeyError } from './payload-key.errors';
import { openingStream, SEGMENT_BYTES, sealedPlaintextBytes, sealingStream } from './sealed-stream';

const key = randomBytes(32);
const aad = Buffer.from('ethico:report:v1\norg-a\nreport-1');

async function seal(chunks: (Buffer | string)[], version = 3): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sealer = sealingStream(key, version, aad);
  sealer.on('data', (c: Buffer) => parts.push(c));
  await pipeline(Readable.from(chunks), sealer);
  return Buffer.concat(parts);
}

/** The sealed bytes delivered in pieces of `size`, as a file read would. */
const inPieces = (bytes: Buffer, size: number) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)),
    {
      objectMode: false,
    },
  );

describe('sealed streams (report files)', () => {
  it('opens what it sealed, whatever the chunking, and holds no plaintext', async () => {
    const text = 'number,title\n' + Array.from({ length: 5000 }, (_, i) => `${i},Whistleblower report about Jane Roe\n`).join('');
    const sealed = await seal([text.slice(0, 10), text.slice(10, 5000), Buffer.from(text.slice(5000))]);
    expect(sealed.length).toBeGreaterThan(SEGMENT_BYTES * 2);
    expect(sealedPlaintextBytes(sealed.length)).toBe(Buffer.byteLength(text));
    expect(sealed.includes('Jane Roe')).toBe(false);
    for (const size of [7, 16, 17, 4096, SEGMENT_BYTES + 16, sealed.length]) {
      const versions: number[] = [];
      const opened = await openingStream(inPieces(sealed, size), async (v) => (versions.push(v), key), aad);
      expect((await buffer(opened)).toString()).toBe(text);
      expect(versions).toEqual([3]);
    }
  });

  it('seals an empty file', async () => {
    const sealed = await seal([]);
    expect(sealedPlaintextBytes(sealed.length)).toBe(0);
    expect((await buffer(await openingStream(inPieces(sealed, 5), async () => key, aad))).length).toBe(0);
  });

  it('fails on an altered, truncated, misfiled or foreign file', async () => {
    const sealed = await seal(['secret report text']);
    const flipped = Buffer.from(sealed);
    flipped[30] ^= 1;
    await expect(buffer(await openingStream(inPieces(flipped, 8), async () => key, aad))).rejects.toThrow(PayloadKeyError);
    await expect(buffer(await openingStream(inPieces(sealed.subarray(0, sealed.length - 1), 8), async () => key, aad))).rejects.toThrow(
      /altered, truncated or misfiled/,
    );
    const elsewhere = Buffer.from('ethico:report:v1\norg-b\nreport-1');
    await expect(buffer(await openingStream(inPieces(sealed, 8), async () => key, elsewhere))).rejects.toThrow(PayloadKeyError);
    // The version is authenticated too: a header edited to name another key version does not open.
    const otherVersion = Buffer.from(sealed);
    otherVersion.writeUInt32BE(4, 4);
    await expect(buffer(await openingStream(inPieces(otherVersion, 8), async () => key, aad))).rejects.toThrow(PayloadKeyError);
    await expect(openingStream(inPieces(Buffer.from('number,title\n1,plain csv\n'), 4), async () => key, aad)).rejects.toThrow(
      /not a sealed file/,
    );
    await expect(openingStream(inPieces(Buffer.from('ES'), 4), async () => key, aad)).rejects.toThrow(/not a sealed file/);
  });

  it('sizes and opens files of exactly one and two segments', async () => {
    for (const bytes of [1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 2 * SEGMENT_BYTES]) {
      const plain = Buffer.alloc(bytes, 'a');
      const sealed = await seal([plain]);
      expect(sealedPlaintextBytes(sealed.length)).toBe(bytes);
      expect((await buffer(await openingStream(inPieces(sealed, 1000), async () => key, aad))).equals(plain)).toBe(true);
    }
  });

  it('passes no byte of a segment before its tag checked, and refuses dropped, reordered or cut segments', async () => {
    const plain = Buffer.alloc(3 * SEGMENT_BYTES + 10, 'b');
    const sealed = await seal([plain]);
    const header = 16;
    const record = SEGMENT_BYTES + 16;
    const seg = (i: number) => sealed.subarray(header + i * record, header + (i + 1) * record);
    const variants = {
      'second segment altered': (() => {
        const b = Buffer.from(sealed);
        b[header + record + 5] ^= 1;
        return b;
      })(),
      'second segment dropped': Buffer.concat([sealed.subarray(0, header), seg(0), seg(2), seg(3)]),
      'segments swapped': Buffer.concat([sealed.subarray(0, header), seg(1), seg(0), seg(2), seg(3)]),
      'cut after two segments': sealed.subarray(0, header + 2 * record),
    };
    for (const [what, bytes] of Object.entries(variants)) {
      const opened = await openingStream(inPieces(bytes, 4096), async () => key, aad);
      const passed: Buffer[] = [];
      opened.on('data', (c: Buffer) => passed.push(c));
      await expect(new Promise((resolve, reject) => opened.on('end', resolve).on('error', reject))).rejects.toThrow(PayloadKeyError);
      const got = Buffer.concat(passed);
      // Only whole segments that were checked got out, and they are the file's own first ones.
      expect({ what, length: got.length % SEGMENT_BYTES }).toEqual({ what, length: 0 });
      expect(got.length).toBeLessThan(plain.length);
      expect(got.equals(plain.subarray(0, got.length))).toBe(true);
    }
  });

  it('fails before any byte when the key cannot be had (shredded)', async () => {
    const sealed = await seal(['secret']);
    const gone = new PayloadKeyError('payload key destroyed');
    await expect(
      openingStream(
        inPieces(sealed, 4),
        async () => {
          throw gone;
        },
        aad,
      ),
    ).rejects.toBe(gone);
  });
});
