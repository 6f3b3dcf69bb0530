import type { DatabaseService } from '../../database/database.service';
import { CaseRow, isCaseId } from '../../cases/case.types';
import type { SearchSource, SourceDocument } from './search-source';

type CaseSearchRow = Pick<
  CaseRow,
  'id' | 'number' | 'version' | 'title' | 'description' | 'category' | 'priority' | 'status' | 'assignee_email'
>;

const COLUMNS = 'id, number, version, title, description, category, priority, status, assignee_email';

// The category is searchable text too ("harassment" finds cases filed under it); the rest is metadata.
function toDocument(row: CaseSearchRow): SourceDocument {
  return {
    entityId: row.id,
    version: row.version,
    title: row.title,
    body: row.category ? `${row.description}\n${row.category}` : row.description,
    metadata: {
      number: row.number,
      category: row.category,
      priority: row.priority,
      status: row.status,
      assigneeEmail: row.assignee_email,
    },
  };
}

export const caseSearchSource: SearchSource = {
  entityType: 'case',

  async load(db: DatabaseService, organizationId: string, entityIds: string[]): Promise<SourceDocument[]> {
    const ids = entityIds.filter(isCaseId);
    if (ids.length === 0) return [];
    const rows = await db.query<CaseSearchRow>(`SELECT ${COLUMNS} FROM cases WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [
      organizationId,
      ids,
    ]);
    return rows.map(toDocument);
  },

  async page(db: DatabaseService, organizationId: string, afterId: string | null, limit: number): Promise<SourceDocument[]> {
    const rows = await db.query<CaseSearchRow>(
      `SELECT ${COLUMNS} FROM cases
       WHERE organization_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid)
       ORDER BY id LIMIT $3`,
      [organizationId, afterId, limit],
    );
    return rows.map(toDocument);
  },

  async count(db: DatabaseService, organizationId: string): Promise<number> {
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases WHERE organization_id = $1', [organizationId]);
    return n;
  },
};
