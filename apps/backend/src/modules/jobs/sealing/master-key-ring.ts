import type { MasterKey } from '../../../config/sections/payload-keys.config';
import { PayloadKeyError } from './payload-key.errors';
import { openWith, sealWith } from './sealed-payload';

const IV = 12;
const TAG = 16;

/** Binds a wrapped data key to its tenant and version, so a row copied to another tenant does not unwrap. */
const wrapAad = (organizationId: string, version: number) => Buffer.from(`ethico:data-key:v1\n${organizationId}\n${version}`);

/**
 * The master keys from PAYLOAD_KEYS. The first (current) wraps new data keys; every key in the ring
 * unwraps, so data keys wrapped under the previous master keep working until they are rewrapped.
 */
export class MasterKeyRing {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keys: readonly MasterKey[],
    readonly currentKid: string,
  ) {
    this.keys = new Map(keys.map((k) => [k.kid, Buffer.from(k.key, 'base64')]));
    if (!this.keys.has(currentKid)) throw new Error(`current master key ${currentKid} is not in the ring`);
  }

  /** AES-256-GCM under the current master key; stored as nonce ‖ tag ‖ ciphertext. */
  wrap(organizationId: string, version: number, dataKey: Buffer): { kid: string; wrapped: Buffer } {
    const { iv, tag, ct } = sealWith(this.keys.get(this.currentKid)!, wrapAad(organizationId, version), dataKey);
    return { kid: this.currentKid, wrapped: Buffer.concat([iv, tag, ct]) };
  }

  unwrap(kid: string, organizationId: string, version: number, wrapped: Buffer): Buffer {
    const master = this.keys.get(kid);
    if (!master)
      throw new PayloadKeyError(
        `master key ${kid} (wrapping the data key v${version} of organization ${organizationId}) is not in PAYLOAD_KEYS`,
      );
    try {
      return openWith(
        master,
        wrapAad(organizationId, version),
        wrapped.subarray(0, IV),
        wrapped.subarray(IV, IV + TAG),
        wrapped.subarray(IV + TAG),
      );
    } catch {
      throw new PayloadKeyError(`the data key v${version} of organization ${organizationId} does not unwrap under master key ${kid}`);
    }
  }
}
