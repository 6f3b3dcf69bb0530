import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

export interface DataKeyRow {
  version: number;
  master_kid: string;
  wrapped_key: Buffer | null;
  destroyed_at: Date | null;
}

/** The tenants' wrapped data keys (migrations/1764400600000_tenant-data-keys.sql). */
@Injectable()
export class TenantDataKeysRepository {
  constructor(private readonly db: DatabaseService) {}

  /** The organization's newest key, destroyed or not (a new one takes the next version). */
  async latest(organizationId: string): Promise<DataKeyRow | undefined> {
    const rows = await this.db.query<DataKeyRow>(
      `SELECT version, master_kid, wrapped_key, destroyed_at FROM tenant_data_keys
        WHERE organization_id = $1 ORDER BY version DESC LIMIT 1`,
      [organizationId],
    );
    return rows[0];
  }

  async find(organizationId: string, version: number): Promise<DataKeyRow | undefined> {
    const rows = await this.db.query<DataKeyRow>(
      'SELECT version, master_kid, wrapped_key, destroyed_at FROM tenant_data_keys WHERE organization_id = $1 AND version = $2',
      [organizationId, version],
    );
    return rows[0];
  }

  /** False when another process created this version first (the caller reads theirs). */
  async insert(organizationId: string, version: number, masterKid: string, wrapped: Buffer): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO tenant_data_keys (organization_id, version, master_kid, wrapped_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING version`,
      [organizationId, version, masterKid, wrapped],
    );
    return rows.length === 1;
  }

  /** Deletes the wrapped keys: with them goes every way to read what they sealed. Returns the versions destroyed. */
  async destroy(organizationId: string): Promise<number[]> {
    const rows = await this.db.query<{ version: number }>(
      `UPDATE tenant_data_keys SET wrapped_key = NULL, destroyed_at = now()
        WHERE organization_id = $1 AND destroyed_at IS NULL RETURNING version`,
      [organizationId],
    );
    return rows.map((r) => r.version).sort((a, b) => a - b);
  }

  /** Live keys wrapped under another master key than `currentKid`. */
  async wrappedUnderOther(currentKid: string): Promise<(DataKeyRow & { organization_id: string })[]> {
    return this.db.query<DataKeyRow & { organization_id: string }>(
      `SELECT organization_id, version, master_kid, wrapped_key, destroyed_at FROM tenant_data_keys
        WHERE destroyed_at IS NULL AND master_kid <> $1 ORDER BY organization_id, version`,
      [currentKid],
    );
  }

  /** Compare-and-set on the old master key id, so a concurrent rewrap or shred is never overwritten. */
  async rewrap(organizationId: string, version: number, fromKid: string, toKid: string, wrapped: Buffer): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE tenant_data_keys SET master_kid = $4, wrapped_key = $5, rewrapped_at = now()
        WHERE organization_id = $1 AND version = $2 AND master_kid = $3 AND destroyed_at IS NULL RETURNING version`,
      [organizationId, version, fromKid, toKid, wrapped],
    );
    return rows.length === 1;
  }
}
