import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { escapeHtml } from '../http/html-escape';
import { EnqueuedJob, JobsService } from '../jobs/jobs.service';
import { REINDEX_ALL } from './search-indexer.service';
import type { ReindexRequest, SearchHit, SearchQuery, SearchResult } from './search.types';
import { SEARCHABLE_ENTITY_TYPES } from './sources';

// Private-use characters mark the matches inside PostgreSQL; the text is HTML-escaped in between.
const MARK_START = '\uE000';
const MARK_STOP = '\uE001';
const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_STOP}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "`;

function snippetHtml(headline: string): string {
  return escapeHtml(headline).replaceAll(MARK_START, '<mark>').replaceAll(MARK_STOP, '</mark>');
}

interface HitRow {
  entity_type: string;
  entity_id: string;
  title: string;
  snippet: string;
  score: number;
}

/** A bucket for reindex requests: repeats within the same minute return the same job. */
const REINDEX_WINDOW_MS = 60_000;

/**
 * Queries the index for one organization. The organization filter is part of every statement,
 * so hits, total and facets can only ever count the caller's own documents.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly db: DatabaseService,
    private readonly jobs: JobsService,
  ) {}

  async search(organizationId: string, query: SearchQuery): Promise<SearchResult> {
    // websearch_to_tsquery accepts any text (quotes, OR, -word) without raising syntax errors.
    const hitsSql = `
      WITH q AS (SELECT websearch_to_tsquery('english', $2) AS query)
      SELECT h.entity_type, h.entity_id, h.title, h.score,
             ts_headline('english', translate(CASE WHEN h.body = '' THEN h.title ELSE h.body END, $6, ''), q.query, $7) AS snippet
      FROM (
        SELECT d.entity_type, d.entity_id, d.title, d.body, d.updated_at, ts_rank(d.tsv, q.query, 1) AS score
        FROM search_documents d, q
        WHERE d.organization_id = $1 AND d.deleted_at IS NULL AND d.tsv @@ q.query
          AND ($3::text IS NULL OR d.entity_type = $3)
        ORDER BY score DESC, d.updated_at DESC, d.entity_type, d.entity_id
        LIMIT $4 OFFSET $5
      ) h, q
      ORDER BY h.score DESC, h.updated_at DESC, h.entity_type, h.entity_id`;
    const facetsSql = `
      SELECT d.entity_type, count(*)::int AS n
      FROM search_documents d, websearch_to_tsquery('english', $2) AS query
      WHERE d.organization_id = $1 AND d.deleted_at IS NULL AND d.tsv @@ query
      GROUP BY d.entity_type`;
    const [rows, facetRows] = await Promise.all([
      this.db.query<HitRow>(hitsSql, [
        organizationId,
        query.q,
        query.entityType ?? null,
        query.limit,
        query.offset,
        MARK_START + MARK_STOP,
        HEADLINE_OPTIONS,
      ]),
      this.db.query<{ entity_type: string; n: number }>(facetsSql, [organizationId, query.q]),
    ]);

    const facets: Record<string, number> = Object.fromEntries(SEARCHABLE_ENTITY_TYPES.map((t) => [t, 0]));
    for (const f of facetRows) facets[f.entity_type] = f.n;
    const total = query.entityType ? (facets[query.entityType] ?? 0) : Object.values(facets).reduce((a, b) => a + b, 0);
    const hits: SearchHit[] = rows.map((r) => ({
      entityType: r.entity_type,
      entityId: r.entity_id,
      title: r.title,
      snippet: snippetHtml(r.snippet),
      score: Math.round(r.score * 1e6) / 1e6,
    }));
    return { total, hits, facets };
  }

  /** Enqueues low-priority reindex jobs for the caller's organization: one entity, one type, or every type. */
  async requestReindex(organizationId: string, correlationId: string | undefined, request: ReindexRequest): Promise<EnqueuedJob[]> {
    const types = request.entityType ? [request.entityType] : SEARCHABLE_ENTITY_TYPES;
    const entityId = request.entityId ?? REINDEX_ALL;
    const window = Math.floor(Date.now() / REINDEX_WINDOW_MS);
    // All of them or none: a tenant at its pending cap is refused (429) before any is stored.
    await this.jobs.admitUpTo('indexing', organizationId, types.length);
    return Promise.all(
      types.map((entityType) =>
        this.jobs.enqueue(
          'indexing',
          'reindex',
          { organizationId, correlationId, operation: 'reindex', entityType, entityId },
          { priority: 'low', idempotencyKey: `reindex:${entityType}:${entityId}:${window}` },
        ),
      ),
    );
  }
}
