import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DatabaseService } from '../database/database.service';
import type { AdminPrincipal } from '../auth/admin-auth';

/** The console's actions, Bull Board's (`board-retry`, `board-read`, ...: board-audit.ts) and changes to a tenant's fairness settings. */
export type AuditAction = 'replay' | 'edit-and-replay' | 'dismiss' | 'reveal' | 'fairness-set' | 'fairness-reset' | `board-${string}`;
export type AuditOutcome = 'done' | 'refused';

export interface AuditEntry {
  id: string;
  at: Date;
  actor: string;
  actorRole: string;
  action: AuditAction;
  entryId: string;
  sourceQueue: string;
  jobName: string;
  organizationId: string | null;
  beforeHash: string | null;
  afterHash: string | null;
  replayJobId: string | null;
  bulkId: string | null;
  correlationId: string | null;
  outcome: AuditOutcome;
  /** For board rows: the HTTP request (method, path and query). */
  detail: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at' | 'actor' | 'actorRole' | 'outcome' | 'detail'> & {
  detail?: string | null;
};

// One canonical hash for payloads, shared with the job platform's idempotency records.
export { payloadHash } from '../jobs/idempotency';

/**
 * The append-only audit trail of the dead-letter console and Bull Board (table dead_letter_audit, whose triggers
 * refuse UPDATE, DELETE and TRUNCATE). An action and its row succeed or fail together: the row is
 * written first, in a transaction that commits only if the action took effect.
 */
@Injectable()
export class DeadLetterAuditRepository {
  constructor(private readonly db: DatabaseService) {}

  async record<T>(actor: AdminPrincipal, entry: NewAuditEntry, action: () => Promise<{ effective: boolean; result: T }>): Promise<T> {
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      await this.insert(client, actor, entry, 'done');
      const { effective, result } = await action();
      await client.query(effective ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** An attempt the role (or a check) refused: nothing changed, but it is on record. */
  async recordRefused(actor: AdminPrincipal, entry: NewAuditEntry): Promise<void> {
    await this.insert(this.db.pool, actor, entry, 'refused');
  }

  /** A payload read (Bull Board's, like a console reveal): the row is written before the payload is served. */
  async recordRead(actor: AdminPrincipal, entry: NewAuditEntry): Promise<void> {
    await this.insert(this.db.pool, actor, entry, 'done');
  }

  private async insert(client: Pick<PoolClient, 'query'>, actor: AdminPrincipal, entry: NewAuditEntry, outcome: AuditOutcome) {
    await client.query(
      `INSERT INTO dead_letter_audit
         (actor, actor_role, action, entry_id, source_queue, job_name, organization_id, before_hash, after_hash, replay_job_id,
          bulk_id, correlation_id, outcome, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        actor.name,
        actor.role,
        entry.action,
        entry.entryId,
        entry.sourceQueue,
        entry.jobName,
        entry.organizationId,
        entry.beforeHash,
        entry.afterHash,
        entry.replayJobId,
        entry.bulkId,
        entry.correlationId,
        outcome,
        entry.detail ?? null,
      ],
    );
  }

  async forEntry(entryId: string): Promise<AuditEntry[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT id, at, actor, actor_role, action, entry_id, source_queue, job_name, organization_id,
              before_hash, after_hash, replay_job_id, bulk_id, correlation_id, outcome, detail
         FROM dead_letter_audit WHERE entry_id = $1 ORDER BY at DESC, id DESC LIMIT 200`,
      [entryId],
    );
    return rows.map((r) => ({
      id: String(r.id),
      at: r.at as Date,
      actor: r.actor as string,
      actorRole: r.actor_role as string,
      action: r.action as AuditAction,
      entryId: r.entry_id as string,
      sourceQueue: r.source_queue as string,
      jobName: r.job_name as string,
      organizationId: (r.organization_id as string | null) ?? null,
      beforeHash: (r.before_hash as string | null) ?? null,
      afterHash: (r.after_hash as string | null) ?? null,
      replayJobId: (r.replay_job_id as string | null) ?? null,
      bulkId: (r.bulk_id as string | null) ?? null,
      correlationId: (r.correlation_id as string | null) ?? null,
      outcome: r.outcome as AuditOutcome,
      detail: (r.detail as string | null) ?? null,
    }));
  }
}
