import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AdminPrincipal } from '../auth/admin-auth';
import { DeadLetterService, DismissResult, editedReplayPayload, replayJobId, ReplayResult } from '../jobs/dead-letter/dead-letter.service';
import type { DeadLetterDetail, DeadLetterFilter } from '../jobs/dead-letter/dead-letter.types';
import { PayloadKeyError } from '../jobs/sealing/payload-key.errors';
import { PayloadSealer } from '../jobs/sealing/payload-sealer';
import { sealedSummary } from '../jobs/sealing/sealed-payload';
import { currentCorrelation } from '../logging/correlation-context';
import { DeadLetterAuditRepository, payloadHash } from './dead-letter-audit.repository';

export type BulkAction = 'replay' | 'dismiss';

/** Which pending entries a bulk action takes: a filter with at least one criterion, or all of them, said explicitly. */
export type BulkSelection = { all: true } | Pick<DeadLetterFilter, 'queue' | 'organizationId' | 'reason'>;

export interface BulkResult {
  bulkId: string;
  matched: number;
  done: number;
  skipped: number;
  failed: number;
}

function requireOperator(actor: AdminPrincipal): void {
  if (actor.role !== 'operator') throw new ForbiddenException('this action needs the operator role');
}

/**
 * Operator actions on dead letters, each recorded in the audit trail: used by the console and
 * by the admin JSON API, so neither can act without leaving a row.
 */
@Injectable()
export class DeadLetterActionsService {
  constructor(
    private readonly deadLetters: DeadLetterService,
    private readonly audit: DeadLetterAuditRepository,
    private readonly sealer: PayloadSealer,
  ) {}

  /**
   * Replays as stored, or with `data` when given (validated against the job type's schema, its
   * organizationId unchanged); the audit row hashes the payload that is replayed.
   */
  async replay(actor: AdminPrincipal, id: string, options: { data?: unknown; bulkId?: string } = {}): Promise<ReplayResult | null> {
    requireOperator(actor);
    const entry = await this.deadLetters.get(id);
    if (!entry) return null;
    if (entry.status === 'replayed') return this.deadLetters.replay(id);
    const edited = options.data !== undefined;
    const after = edited ? editedReplayPayload(entry, options.data) : entry.data;
    return this.audit.record(
      actor,
      {
        ...this.about(entry, options.bulkId),
        action: edited ? 'edit-and-replay' : 'replay',
        afterHash: payloadHash(after),
        replayJobId: replayJobId(id),
      },
      async () => {
        const result = await this.deadLetters.replay(id, edited ? { data: after } : {});
        return { effective: !!result && !result.alreadyReplayed, result };
      },
    );
  }

  async dismiss(actor: AdminPrincipal, id: string, options: { bulkId?: string } = {}): Promise<DismissResult | null> {
    requireOperator(actor);
    const entry = await this.deadLetters.get(id);
    if (!entry) return null;
    if (entry.status !== 'pending') return { id, dismissed: false };
    return this.audit.record(
      actor,
      { ...this.about(entry, options.bulkId), action: 'dismiss', afterHash: null, replayJobId: null },
      async () => {
        const result = await this.deadLetters.dismiss(id);
        return { effective: !!result?.dismissed, result };
      },
    );
  }

  /** The unredacted entry, for an operator; recorded, since payloads are confidential. */
  async reveal(actor: AdminPrincipal, id: string): Promise<DeadLetterDetail | null> {
    requireOperator(actor);
    const entry = await this.deadLetters.get(id);
    if (!entry) return null;
    return this.audit.record(actor, { ...this.about(entry), action: 'reveal', afterHash: null, replayJobId: null }, async () => ({
      effective: true,
      result: { ...entry, data: await this.opened(entry.data) },
    }));
  }

  /** Every pending entry matching the filter, one audited action each, grouped by a bulk id. */
  async bulk(actor: AdminPrincipal, action: BulkAction, selection: BulkSelection): Promise<BulkResult> {
    requireOperator(actor);
    const sel = selection as { all?: unknown } & Pick<DeadLetterFilter, 'queue' | 'organizationId' | 'reason'>;
    const all = sel.all === true;
    const filter = all ? {} : { queue: sel.queue, organizationId: sel.organizationId, reason: sel.reason };
    if (!all && !filter.queue && !filter.organizationId && !filter.reason) {
      // Both callers check this first; here so that no future caller acts on everything by omission.
      throw new BadRequestException('a bulk action on every pending entry must say so ({"all": true})');
    }
    const bulkId = randomUUID();
    const ids = await this.deadLetters.matchingIds({ ...filter, status: 'pending' });
    const result: BulkResult = { bulkId, matched: ids.length, done: 0, skipped: 0, failed: 0 };
    for (const id of ids) {
      try {
        const r = action === 'replay' ? await this.replay(actor, id, { bulkId }) : await this.dismiss(actor, id, { bulkId });
        const done = r !== null && ('alreadyReplayed' in r ? !r.alreadyReplayed : r.dismissed);
        if (done) result.done++;
        else result.skipped++;
      } catch {
        // Another operator holding the entry, or Redis/PostgreSQL failing for this one: count it, go on.
        result.failed++;
      }
    }
    return result;
  }

  history(id: string) {
    return this.audit.forEntry(id);
  }

  /** The payload opened in memory for the operator; one whose tenant's key was destroyed says so. */
  private async opened(data: unknown): Promise<unknown> {
    try {
      return await this.sealer.open(data);
    } catch (err) {
      if (!(err instanceof PayloadKeyError)) throw err;
      return { ...(sealedSummary(data) as object), unreadable: err.message };
    }
  }

  private about(entry: DeadLetterDetail, bulkId?: string) {
    return {
      entryId: entry.id,
      sourceQueue: entry.queue,
      jobName: entry.name,
      organizationId: entry.organizationId,
      beforeHash: payloadHash(entry.data),
      bulkId: bulkId ?? null,
      correlationId: currentCorrelation()?.correlationId ?? null,
    };
  }
}
