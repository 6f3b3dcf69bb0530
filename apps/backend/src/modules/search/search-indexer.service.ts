import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { DatabaseService } from '../database/database.service';
import { throwIfCancelled } from '../jobs/cancellation/job-cancellation';
import { JobProgressReporter } from '../jobs/runtime/job-progress';
import type { IndexingJobData } from '../jobs/types';
import { SearchDocumentsRepository } from './search-documents.repository';
import { SearchSource, searchSourceFor } from './sources';

/** A reindex job's entityId for "every entity of this type in the organization". */
export const REINDEX_ALL = '*';

export type IndexingResult =
  | { outcome: 'indexed' | 'unchanged'; version: number }
  | { outcome: 'removed' | 'already-removed'; version: number | null }
  | { outcome: 'reindexed'; total: number; indexed: number; removed: number };

/**
 * Applies indexing jobs. Create and update read the entity from its source table when the job
 * runs, so the index reflects what is committed, whatever the job carried. Database errors are
 * thrown for BullMQ to retry, except those that no retry can fix.
 */
@Injectable()
export class SearchIndexerService {
  constructor(
    private readonly db: DatabaseService,
    private readonly documents: SearchDocumentsRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** `signal`: the job's; a cancelled reindex stops between batches. Single-entity operations are too short to stop. */
  async apply(data: IndexingJobData, job: Job, signal?: AbortSignal): Promise<IndexingResult> {
    const source = searchSourceFor(data.entityType);
    if (!source) throw new UnrecoverableError(`entity type "${data.entityType}" is not searchable`);
    try {
      switch (data.operation) {
        case 'create':
        case 'update':
          return await this.sync(source, data.organizationId, data.entityId, false);
        case 'delete':
          return await this.remove(source, data.organizationId, data.entityId, versionOf(data));
        case 'reindex':
          return data.entityId === REINDEX_ALL
            ? await this.reindexAll(source, data.organizationId, job, signal)
            : await this.sync(source, data.organizationId, data.entityId, true);
      }
    } catch (err) {
      throw isPermanentDatabaseError(err) ? new UnrecoverableError(`${(err as Error).message}`) : err;
    }
  }

  /** Brings one entity's document in line with its source row. */
  private async sync(source: SearchSource, organizationId: string, entityId: string, sameVersion: boolean): Promise<IndexingResult> {
    const [doc] = await source.load(this.db, organizationId, [entityId]);
    if (!doc) {
      const hidden = await this.documents.hide(organizationId, source.entityType, [entityId]);
      return { outcome: hidden ? 'removed' : 'already-removed', version: null };
    }
    const written = await this.documents.upsert(organizationId, source.entityType, [doc], { sameVersion });
    return { outcome: written ? 'indexed' : 'unchanged', version: doc.version };
  }

  private async remove(source: SearchSource, organizationId: string, entityId: string, version: number | null): Promise<IndexingResult> {
    const [doc] = await source.load(this.db, organizationId, [entityId]);
    // The row exists: this delete is not (or no longer) true; the index follows the committed row.
    if (doc) return this.sync(source, organizationId, entityId, false);
    if (version === null) {
      const hidden = await this.documents.hide(organizationId, source.entityType, [entityId]);
      return { outcome: hidden ? 'removed' : 'already-removed', version: null };
    }
    const written = await this.documents.tombstone({ organizationId, entityType: source.entityType, entityId }, version);
    return { outcome: written ? 'removed' : 'already-removed', version };
  }

  /**
   * Rebuilds every document of one entity type in one organization, in batches, then hides
   * documents whose entity no longer exists. Progress ({ rows, total, percent }) covers both passes
   * and ends at 100. A cancellation stops it between batches (and during the pause).
   */
  private async reindexAll(source: SearchSource, organizationId: string, job: Job, signal?: AbortSignal): Promise<IndexingResult> {
    const { reindexBatchSize: batchSize, reindexPauseMs: pauseMs } = this.config.search;
    const cancelled = () => throwIfCancelled(signal, 'indexing', job.id);
    const startedAt = await this.documents.now();
    const total = await source.count(this.db, organizationId);
    let done = 0;
    let indexed = 0;
    let afterId: string | null = null;
    // The last percent is kept for the sweep below.
    const progress = new JobProgressReporter(job, total, 99);
    try {
      for (;;) {
        cancelled();
        const page = await source.page(this.db, organizationId, afterId, batchSize);
        if (page.length === 0) break;
        indexed += await this.documents.upsert(organizationId, source.entityType, page, { sameVersion: true });
        done += page.length;
        afterId = page[page.length - 1].entityId;
        progress.set(done);
        if (page.length < batchSize) break;
        if (pauseMs > 0) await sleep(pauseMs, undefined, signal ? { signal } : undefined).catch(cancelled);
      }

      let removed = 0;
      let afterDoc: string | null = null;
      for (;;) {
        cancelled();
        const candidates = await this.documents.untouchedSince(organizationId, source.entityType, startedAt, afterDoc, batchSize);
        if (candidates.length === 0) break;
        const existing = new Set((await source.load(this.db, organizationId, candidates)).map((d) => d.entityId));
        removed += await this.documents.hide(
          organizationId,
          source.entityType,
          candidates.filter((id) => !existing.has(id)),
        );
        afterDoc = candidates[candidates.length - 1];
        if (candidates.length < batchSize) break;
      }
      await progress.finish(100);
      return { outcome: 'reindexed', total: done, indexed, removed };
    } catch (err) {
      progress.stop();
      throw err;
    }
  }
}

function versionOf(data: IndexingJobData): number | null {
  const v = data.data?.version;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

/**
 * SQLSTATE classes no retry can fix: data exceptions (22), integrity violations (23), syntax or
 * access rule violations (42). Anything else, connection failures above all, is worth retrying.
 */
export function isPermanentDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}
