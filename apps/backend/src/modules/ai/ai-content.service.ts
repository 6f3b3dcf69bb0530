import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DatabaseService } from '../database/database.service';
import { CASE_ENTITY_TYPE, isCaseId } from '../events/case.events';
import type { AiJobData, StoredAiEntityType } from '../jobs/types';

type Loader = (db: DatabaseService, organizationId: string, entityId: string) => Promise<string | null>;

/**
 * Where the text of each entity type lives. Loading it at processing time keeps confidential text
 * out of Redis; the query is scoped to the job's organization, so a job cannot read another tenant's row.
 */
const SOURCES: Record<StoredAiEntityType, Loader> = {
  [CASE_ENTITY_TYPE]: async (db, organizationId, id) => {
    if (!isCaseId(id)) return null;
    const rows = await db.query<{ title: string; description: string }>(
      'SELECT title, description FROM cases WHERE organization_id = $1 AND id = $2',
      [organizationId, id],
    );
    return rows[0] ? [rows[0].title, rows[0].description].filter((s) => s.trim().length > 0).join('\n\n') : null;
  },
};

@Injectable()
export class AiContentService {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The payload's content when given, otherwise the source row's. Only the platform's own producers
   * give content for a stored entity type: over HTTP it is refused (aiHttpRule in the job registry).
   */
  async contentFor(data: AiJobData): Promise<string> {
    if (data.content !== undefined) {
      if (data.content.trim().length === 0) throw new UnrecoverableError('content is empty');
      return data.content;
    }
    const load = Object.prototype.hasOwnProperty.call(SOURCES, data.entityType)
      ? SOURCES[data.entityType as StoredAiEntityType]
      : undefined;
    if (!load) {
      throw new UnrecoverableError(
        `no content in the payload and no source for entity type "${data.entityType}"; known: ${Object.keys(SOURCES).join(', ') || 'none'}`,
      );
    }
    const text = await load(this.db, data.organizationId, data.entityId);
    if (text === null) throw new UnrecoverableError(`${data.entityType} ${data.entityId} does not exist in this organization`);
    if (text.trim().length === 0) throw new UnrecoverableError(`${data.entityType} ${data.entityId} has no text to process`);
    return text;
  }
}
