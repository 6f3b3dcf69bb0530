import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectConfig } from '../../../config/app-config.module';
import type { AppConfig } from '../../../config/configuration';
import { DataKeyCache } from './data-key-cache';
import { MasterKeyRing } from './master-key-ring';
import { PayloadKeyDestroyedError, PayloadKeyError } from './payload-key.errors';
import { isSealed, openWith, payloadAad, SealedData, sealWith } from './sealed-payload';
import { openingStream, sealingStream } from './sealed-stream';
import type { Readable, Transform } from 'node:stream';
import { DataKeyRow, TenantDataKeysRepository } from './tenant-data-keys.repository';

const CACHE_MAX_KEYS = 10_000;
/** How long a key destroyed or rewrapped elsewhere may still be used by a process that has it. */
export const DATA_KEY_CACHE_TTL_MS = 60_000;

const fileAad = (organizationId: string, subject: string) => Buffer.from(`ethico:file:v1\n${organizationId}\n${subject}`);

interface DataKey {
  version: number;
  key: Buffer;
  /** The associated data of this tenant's payloads under this key (payloadAad), built once. */
  aad: Buffer;
}

/**
 * Envelope encryption of job payloads and results, one data key per organization. Data keys are
 * created on first use, stored wrapped by the current master key (tenant_data_keys), and kept
 * unwrapped in this process's memory only. A payload sealed here carries its tenant and correlation
 * id in clear and everything else in `sealed`; open() returns it as it was given.
 */
@Injectable()
export class PayloadSealer implements OnModuleInit {
  private readonly logger = new Logger('PayloadSealer');
  private readonly ring: MasterKeyRing;
  /** `org` → the key new payloads are sealed with; `org\0version` → any key seen. */
  private readonly current = new DataKeyCache<DataKey>(CACHE_MAX_KEYS, DATA_KEY_CACHE_TTL_MS);
  private readonly byVersion = new DataKeyCache<DataKey>(CACHE_MAX_KEYS, DATA_KEY_CACHE_TTL_MS);
  /** Concurrent first uses of one organization's key share one database round trip. */
  private readonly loading = new Map<string, Promise<DataKey>>();

  constructor(
    private readonly keys: TenantDataKeysRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.ring = new MasterKeyRing(config.payloadKeys.keys, config.payloadKeys.currentKid);
  }

  onModuleInit(): void {
    if (this.config.payloadKeys.developmentKey && this.config.env !== 'test') {
      this.logger.warn(
        'PAYLOAD_KEYS is not set: job payloads are sealed under the PUBLIC DEVELOPMENT KEY, readable by anyone with the source. ' +
          'Set PAYLOAD_KEYS (docs/payload-encryption.md) before storing real data.',
      );
    }
  }

  /** A payload (organizationId and correlationId kept in clear) as Redis should hold it. */
  async seal<T extends { organizationId: string; correlationId?: string }>(data: T): Promise<SealedData> {
    return this.sealFor(data.organizationId, data, data.correlationId);
  }

  /** Any value (a job's result) sealed under the organization's key. */
  async sealFor(organizationId: string, value: unknown, correlationId?: string): Promise<SealedData> {
    const { version, key, aad } = this.current.get(organizationId) ?? (await this.loadCurrent(organizationId));
    const { iv, tag, ct } = sealWith(key, aad, JSON.stringify(value));
    const sealed = {
      v: 1 as const,
      kid: this.ring.currentKid,
      dk: version,
      iv: iv.toString('base64'),
      tag: tag.toString('base64'),
      ct: ct.toString('base64'),
    };
    return correlationId === undefined ? { organizationId, sealed } : { organizationId, correlationId, sealed };
  }

  /**
   * The value that was sealed; anything not sealed (jobs enqueued before sealing, scheduler
   * templates) as it is. PayloadKeyError when it can never be opened.
   */
  async open(value: unknown): Promise<unknown> {
    if (!isSealed(value)) return value;
    const { organizationId, sealed } = value;
    const { key, aad } = this.byVersion.get(`${organizationId}\0${sealed.dk}`) ?? (await this.loadVersion(organizationId, sealed.dk));
    try {
      const plain = openWith(
        key,
        aad,
        Buffer.from(sealed.iv, 'base64'),
        Buffer.from(sealed.tag, 'base64'),
        Buffer.from(sealed.ct, 'base64'),
      );
      return JSON.parse(plain.toString('utf8'));
    } catch {
      throw new PayloadKeyError(
        `sealed payload of organization ${organizationId} does not open under its data key v${sealed.dk}: altered or misfiled`,
      );
    }
  }

  /**
   * A stream that seals what is written to it under the organization's current data key (a report
   * file); `subject` names what it is (`report:<id>`), so the file opens as that and nothing else.
   */
  async sealingStream(organizationId: string, subject: string): Promise<Transform> {
    const { version, key } = this.current.get(organizationId) ?? (await this.loadCurrent(organizationId));
    return sealingStream(key, version, fileAad(organizationId, subject));
  }

  /** The plaintext of a file sealingStream wrote; PayloadKeyError before any byte when it can never be opened. */
  openingStream(organizationId: string, subject: string, sealed: Readable): Promise<Readable> {
    const keyFor = async (version: number) =>
      (this.byVersion.get(`${organizationId}\0${version}`) ?? (await this.loadVersion(organizationId, version))).key;
    return openingStream(sealed, keyFor, fileAad(organizationId, subject));
  }

  /**
   * Crypto-shredding: destroys every data key of the organization, so everything sealed for it,
   * in Redis, dead letters and backups alike, is unreadable for good. Other processes forget
   * their cached copy within DATA_KEY_CACHE_TTL_MS. The next payload for the tenant gets a new key.
   */
  async shred(organizationId: string): Promise<number[]> {
    const versions = await this.keys.destroy(organizationId);
    this.forget(organizationId);
    return versions;
  }

  /** Rewraps every live data key under the current master key; the keys themselves do not change. */
  async rewrapAll(): Promise<{ rewrapped: number; failed: { organizationId: string; version: number; reason: string }[] }> {
    const failed: { organizationId: string; version: number; reason: string }[] = [];
    let rewrapped = 0;
    for (const row of await this.keys.wrappedUnderOther(this.ring.currentKid)) {
      try {
        const key = this.ring.unwrap(row.master_kid, row.organization_id, row.version, row.wrapped_key!);
        const { kid, wrapped } = this.ring.wrap(row.organization_id, row.version, key);
        if (await this.keys.rewrap(row.organization_id, row.version, row.master_kid, kid, wrapped)) rewrapped++;
      } catch (err) {
        if (!(err instanceof PayloadKeyError)) throw err;
        failed.push({ organizationId: row.organization_id, version: row.version, reason: err.message });
      }
    }
    return { rewrapped, failed };
  }

  /** Drops this process's cached keys of one organization (all of them without an argument). */
  forget(organizationId?: string): void {
    if (organizationId === undefined) {
      this.current.clear();
      this.byVersion.clear();
      return;
    }
    this.current.deleteWhere((k) => k === organizationId);
    this.byVersion.deleteWhere((k) => k.startsWith(`${organizationId}\0`));
  }

  private loadCurrent(organizationId: string): Promise<DataKey> {
    let loading = this.loading.get(organizationId);
    if (!loading) {
      loading = this.currentOrNew(organizationId).finally(() => this.loading.delete(organizationId));
      this.loading.set(organizationId, loading);
    }
    return loading;
  }

  private async currentOrNew(organizationId: string): Promise<DataKey> {
    // Two processes creating the first key at once: one insert wins, the other reads the winner's.
    for (let tries = 0; tries < 3; tries++) {
      const latest = await this.keys.latest(organizationId);
      if (latest && !latest.destroyed_at) return this.remember(organizationId, latest.version, this.unwrap(organizationId, latest), true);
      const version = (latest?.version ?? 0) + 1;
      const key = randomBytes(32);
      const { kid, wrapped } = this.ring.wrap(organizationId, version, key);
      if (await this.keys.insert(organizationId, version, kid, wrapped)) return this.remember(organizationId, version, key, true);
    }
    throw new Error(`could not create a payload key for organization ${organizationId}: concurrent changes`);
  }

  private async loadVersion(organizationId: string, version: number): Promise<DataKey> {
    const row = await this.keys.find(organizationId, version);
    if (!row) throw new PayloadKeyError(`no payload key v${version} for organization ${organizationId}: the payload is unreadable`);
    return this.remember(organizationId, version, this.unwrap(organizationId, row), false);
  }

  private unwrap(organizationId: string, row: DataKeyRow): Buffer {
    if (row.destroyed_at || !row.wrapped_key)
      throw new PayloadKeyDestroyedError(organizationId, row.version, row.destroyed_at ?? new Date());
    return this.ring.unwrap(row.master_kid, organizationId, row.version, row.wrapped_key);
  }

  private remember(organizationId: string, version: number, key: Buffer, isCurrent: boolean): DataKey {
    const dataKey = { version, key, aad: payloadAad(organizationId, version) };
    if (isCurrent) this.current.set(organizationId, dataKey);
    this.byVersion.set(`${organizationId}\0${version}`, dataKey);
    return dataKey;
  }
}
