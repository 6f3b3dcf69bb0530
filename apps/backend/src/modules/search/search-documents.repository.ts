import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { SourceDocument } from './sources';

export interface EntityKey {
  organizationId: string;
  entityType: string;
  entityId: string;
}

/**
 * Writes to search_documents. Every write is a single statement guarded by the stored version, so
 * any number of workers may apply any versions in any order: the highest version wins, and a
 * tombstone (the delete's version) outranks every version the entity had while it existed.
 */
@Injectable()
export class SearchDocumentsRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Upserts documents of one organization and entity type; returns how many were written.
   * `sameVersion`: also rewrite a document already at that version (reindex rebuilds it from the
   * source; equal versions have equal content, so this can never regress a document).
   */
  async upsert(organizationId: string, entityType: string, docs: SourceDocument[], opts: { sameVersion: boolean }): Promise<number> {
    if (docs.length === 0) return 0;
    const guard = opts.sameVersion ? 'd.version <= EXCLUDED.version' : 'd.version < EXCLUDED.version';
    const rows = await this.db.query<{ entity_id: string }>(
      `INSERT INTO search_documents AS d (organization_id, entity_type, entity_id, version, title, body, metadata)
       SELECT $1, $2, u.entity_id, u.version, u.title, u.body, u.metadata
       FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::jsonb[]) AS u(entity_id, version, title, body, metadata)
       ON CONFLICT (organization_id, entity_type, entity_id) DO UPDATE
       SET version = EXCLUDED.version, title = EXCLUDED.title, body = EXCLUDED.body, metadata = EXCLUDED.metadata,
           deleted_at = NULL, updated_at = now()
       WHERE ${guard}
       RETURNING d.entity_id`,
      [
        organizationId,
        entityType,
        docs.map((d) => d.entityId),
        docs.map((d) => d.version),
        docs.map((d) => d.title),
        docs.map((d) => d.body),
        docs.map((d) => JSON.stringify(d.metadata)),
      ],
    );
    return rows.length;
  }

  /** Records the delete of `version`; returns false when the index already holds a later version. */
  async tombstone(key: EntityKey, version: number): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO search_documents AS d (organization_id, entity_type, entity_id, version, deleted_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (organization_id, entity_type, entity_id) DO UPDATE
       SET version = EXCLUDED.version, title = '', body = '', metadata = '{}'::jsonb, deleted_at = now(), updated_at = now()
       WHERE d.version < EXCLUDED.version OR (d.version = EXCLUDED.version AND d.deleted_at IS NULL)
       RETURNING 1`,
      [key.organizationId, key.entityType, key.entityId, version],
    );
    return rows.length > 0;
  }

  /** The source row is gone but its delete version is unknown: hide the document, keeping its version. */
  async hide(organizationId: string, entityType: string, entityIds: string[]): Promise<number> {
    if (entityIds.length === 0) return 0;
    const rows = await this.db.query(
      `UPDATE search_documents SET title = '', body = '', metadata = '{}'::jsonb, deleted_at = now(), updated_at = now()
       WHERE organization_id = $1 AND entity_type = $2 AND entity_id = ANY($3::text[]) AND deleted_at IS NULL
       RETURNING 1`,
      [organizationId, entityType, entityIds],
    );
    return rows.length;
  }

  /** Live documents not written since `since` (a reindex's start), in entity_id order after `afterId`. */
  async untouchedSince(organizationId: string, entityType: string, since: Date, afterId: string | null, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ entity_id: string }>(
      `SELECT entity_id FROM search_documents
       WHERE organization_id = $1 AND entity_type = $2 AND deleted_at IS NULL AND updated_at < $3
         AND ($4::text IS NULL OR entity_id > $4)
       ORDER BY entity_id LIMIT $5`,
      [organizationId, entityType, since, afterId, limit],
    );
    return rows.map((r) => r.entity_id);
  }

  async find(key: EntityKey): Promise<{ version: number; title: string; body: string; deleted: boolean } | null> {
    const rows = await this.db.query<{ version: number; title: string; body: string; deleted: boolean }>(
      `SELECT version, title, body, deleted_at IS NOT NULL AS deleted FROM search_documents
       WHERE organization_id = $1 AND entity_type = $2 AND entity_id = $3`,
      [key.organizationId, key.entityType, key.entityId],
    );
    return rows[0] ?? null;
  }

  async now(): Promise<Date> {
    const [{ now }] = await this.db.query<{ now: Date }>('SELECT now() AS now');
    return now;
  }
}
