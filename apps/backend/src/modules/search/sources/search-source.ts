import type { DatabaseService } from '../../database/database.service';

/** What the index stores for one entity, read from its source table. */
export interface SourceDocument {
  entityId: string;
  version: number;
  title: string;
  body: string;
  metadata: Record<string, unknown>;
}

/**
 * A table whose rows are searchable. Every read is scoped to one organization. Adding an entity
 * type to search means writing one of these and listing it in SEARCH_SOURCES.
 */
export interface SearchSource {
  readonly entityType: string;
  /** The committed rows for these ids; ids that do not exist (or cannot be ids of this type) are absent. */
  load(db: DatabaseService, organizationId: string, entityIds: string[]): Promise<SourceDocument[]>;
  /** Up to `limit` rows ordered by entityId, after `afterId` (null: from the start). */
  page(db: DatabaseService, organizationId: string, afterId: string | null, limit: number): Promise<SourceDocument[]>;
  count(db: DatabaseService, organizationId: string): Promise<number>;
}
