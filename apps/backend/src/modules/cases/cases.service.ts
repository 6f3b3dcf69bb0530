import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { PoolClient } from 'pg';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { AiCaseJobsService, NEW_CASE_VERSION } from '../ai/ai-case-jobs.service';
import { DatabaseService } from '../database/database.service';
import { JobOutboxRepository } from '../jobs/outbox/job-outbox.repository';
import { OutboxRelayService } from '../jobs/outbox/outbox-relay.service';
import type { EventContext } from '../events/base.event';
import {
  AnyCaseEvent,
  CaseAssignedEvent,
  CaseCreatedEvent,
  CaseDeletedEvent,
  CaseStatusChangedEvent,
  CaseUpdatedEvent,
} from '../events/case.events';
import { caseJobs } from './case-jobs';
import { TenantRegisteredEvent } from '../events/tenant.events';
import {
  Case,
  CASE_COLUMNS,
  CASE_SLA_HOURS,
  CasePage,
  CasePriority,
  CaseRow,
  CreateCaseInput,
  isCaseId,
  ListCasesInput,
  ExpectedVersions,
  StaleCaseVersionError,
  toCase,
  UpdateCaseInput,
} from './case.types';

/** Input field -> column, for the fields a PATCH sets as given (the due time is derived, see dueChange). */
const UPDATABLE = {
  title: 'title',
  description: 'description',
  category: 'category',
  priority: 'priority',
  status: 'status',
  assigneeEmail: 'assignee_email',
} as const satisfies Record<Exclude<keyof UpdateCaseInput, 'dueAt'>, keyof CaseRow>;
type UpdatableField = keyof typeof UPDATABLE;

const HOUR_MS = 3_600_000;
const derivedDueAt = (createdAt: Date, priority: CasePriority) => new Date(createdAt.getTime() + CASE_SLA_HOURS[priority] * HOUR_MS);

/**
 * The due time after a PATCH: an explicit one stays until replaced or reset with null; a derived
 * one follows the priority. Undefined when it does not change.
 */
function dueChange(before: CaseRow, input: UpdateCaseInput): { dueAt: Date; explicit: boolean } | undefined {
  const priority = input.priority ?? before.priority;
  let next: { dueAt: Date; explicit: boolean };
  if (input.dueAt) next = { dueAt: new Date(input.dueAt), explicit: true };
  else if (input.dueAt === null || !before.due_at_explicit) next = { dueAt: derivedDueAt(before.created_at, priority), explicit: false };
  else return undefined;
  return next.dueAt.getTime() === before.due_at.getTime() && next.explicit === before.due_at_explicit ? undefined : next;
}

const accepts = (expected: ExpectedVersions, version: number) => expected === undefined || expected === '*' || expected.includes(version);

/**
 * Cases, always within one organization: every statement filters on organization_id, so a case
 * of another tenant is indistinguishable from one that does not exist. The jobs a write triggers
 * (indexing, the assignment email, AI) are staged in the job outbox in the write's transaction and
 * enqueued by the relay; events are emitted only after the transaction committed.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly db: DatabaseService,
    private readonly events: EventEmitter2,
    private readonly outbox: JobOutboxRepository,
    private readonly relay: OutboxRelayService,
    private readonly aiJobs: AiCaseJobsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(ctx: EventContext, input: CreateCaseInput): Promise<Case> {
    // The id is chosen here, so the case's pending AI results are written before the tenant's
    // case-number lock is taken: every write of a tenant queues on that lock until it commits.
    const id = randomUUID();
    const { created, events, newTenant } = await this.db.transaction(async (client) => {
      await this.aiJobs.markQueued(client, ctx.organizationId, id);
      // One statement: the tenant (known from its first case on; the schedules feature gives it its
      // defaults), the next case number (the lock), the case.
      const inserted = await client.query<CaseRow & { new_tenant: boolean }>(
        `WITH tenant AS (INSERT INTO tenants (id) VALUES ($2) ON CONFLICT DO NOTHING RETURNING id),
              counter AS (
                INSERT INTO case_number_counters (organization_id, last_number) VALUES ($2, 1)
                ON CONFLICT (organization_id) DO UPDATE SET last_number = case_number_counters.last_number + 1
                RETURNING last_number)
         INSERT INTO cases (id, organization_id, number, version, title, description, category, priority, assignee_email, due_at, due_at_explicit)
         SELECT $1, $2, counter.last_number, $3, $4, $5, $6, $7, $8,
                COALESCE($9::timestamptz, now() + make_interval(hours => $10::int)), $9::timestamptz IS NOT NULL
           FROM counter
         RETURNING ${CASE_COLUMNS}, EXISTS (SELECT 1 FROM tenant) AS new_tenant`,
        [
          id,
          ctx.organizationId,
          NEW_CASE_VERSION,
          input.title,
          input.description,
          input.category,
          input.priority,
          input.assigneeEmail,
          input.dueAt,
          CASE_SLA_HOURS[input.priority],
        ],
      );
      const row = inserted.rows[0];
      const created = toCase(row);
      const events: AnyCaseEvent[] = [new CaseCreatedEvent(ctx, created)];
      if (row.assignee_email) events.push(new CaseAssignedEvent(ctx, created, row.assignee_email, null));
      await this.stage(client, events);
      return { created, events, newTenant: row.new_tenant };
    });
    if (newTenant) this.events.emit(TenantRegisteredEvent.eventName, new TenantRegisteredEvent(ctx));
    this.committed(events);
    return created;
  }

  async get(organizationId: string, id: string): Promise<Case | null> {
    if (!isCaseId(id)) return null;
    const rows = await this.db.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases WHERE organization_id = $1 AND id = $2`, [
      organizationId,
      id,
    ]);
    return rows[0] ? toCase(rows[0]) : null;
  }

  async list(organizationId: string, page: ListCasesInput): Promise<CasePage> {
    const params: unknown[] = [organizationId];
    let where = 'organization_id = $1';
    if (page.status) {
      params.push(page.status);
      where += ` AND status = $${params.length}`;
    }
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT count(*)::int AS total FROM cases WHERE ${where}`, params);
    const rows = await this.db.query<CaseRow>(
      `SELECT ${CASE_COLUMNS} FROM cases WHERE ${where}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.limit, page.offset],
    );
    return { total, limit: page.limit, offset: page.offset, items: rows.map(toCase) };
  }

  /**
   * Changes only what differs; a PATCH that changes nothing is not a write (no version, no events).
   * With `expected`, a case at another version is not touched (StaleCaseVersionError): the row lock
   * makes the check and the write one step, so of two clients holding version 3 only one wins.
   */
  async update(ctx: EventContext, id: string, input: UpdateCaseInput, expected?: ExpectedVersions): Promise<Case | null> {
    if (!isCaseId(id)) return null;
    const result = await this.db.transaction(async (client) => {
      const current = await client.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases WHERE organization_id = $1 AND id = $2 FOR UPDATE`, [
        ctx.organizationId,
        id,
      ]);
      const before = current.rows[0];
      if (!before) return null;
      if (!accepts(expected, before.version)) throw new StaleCaseVersionError(before.version);
      const changed: string[] = (Object.keys(UPDATABLE) as UpdatableField[]).filter(
        (field) => input[field] !== undefined && input[field] !== before[UPDATABLE[field]],
      );
      const params: unknown[] = [ctx.organizationId, id];
      const sets = (changed as UpdatableField[]).map((field) => {
        params.push(input[field]);
        return `${UPDATABLE[field]} = $${params.length}`;
      });
      const due = dueChange(before, input);
      if (due) {
        changed.push('dueAt');
        params.push(due.dueAt, due.explicit);
        sets.push(`due_at = $${params.length - 1}`, `due_at_explicit = $${params.length}`);
      }
      if (changed.length === 0) return { before, after: before, changed, events: [] as AnyCaseEvent[] };
      const updated = await client.query<CaseRow>(
        `UPDATE cases SET ${sets.join(', ')}, version = version + 1, updated_at = now()
         WHERE organization_id = $1 AND id = $2 RETURNING ${CASE_COLUMNS}`,
        params,
      );
      const after = updated.rows[0];
      const written = toCase(after);
      const events: AnyCaseEvent[] = [new CaseUpdatedEvent(ctx, written, changed)];
      if (before.status !== after.status) events.push(new CaseStatusChangedEvent(ctx, written, before.status, after.status));
      if (after.assignee_email && before.assignee_email !== after.assignee_email) {
        events.push(new CaseAssignedEvent(ctx, written, after.assignee_email, before.assignee_email));
      }
      await this.stage(client, events);
      return { before, after, changed, events };
    });
    if (!result) return null;
    if (result.changed.length === 0) return toCase(result.after);
    this.committed(result.events);
    return toCase(result.after);
  }

  async remove(ctx: EventContext, id: string, expected?: ExpectedVersions): Promise<boolean> {
    if (!isCaseId(id)) return false;
    const event = await this.db.transaction(async (client) => {
      const current = await client.query<{ version: number }>(
        `SELECT version FROM cases WHERE organization_id = $1 AND id = $2 FOR UPDATE`,
        [ctx.organizationId, id],
      );
      if (!current.rows[0]) return null;
      if (!accepts(expected, current.rows[0].version)) throw new StaleCaseVersionError(current.rows[0].version);
      const rows = await client.query<CaseRow>(`DELETE FROM cases WHERE organization_id = $1 AND id = $2 RETURNING ${CASE_COLUMNS}`, [
        ctx.organizationId,
        id,
      ]);
      if (!rows.rows[0]) return null;
      const deleted = new CaseDeletedEvent(ctx, toCase(rows.rows[0]));
      await this.stage(client, [deleted]);
      return deleted;
    });
    if (!event) return false;
    this.committed([event]);
    return true;
  }

  /** The write's jobs, in its transaction: committed together or not at all. */
  private async stage(client: PoolClient, events: AnyCaseEvent[]): Promise<void> {
    const jobs = [];
    for (const event of events) {
      // status_changed always comes with an updated event for the same version, which indexes it.
      if (event instanceof CaseStatusChangedEvent) continue;
      jobs.push(...caseJobs(event, this.config.cases));
      if (event instanceof CaseCreatedEvent) jobs.push(...this.aiJobs.forNewCase(event));
    }
    await this.outbox.stage(client, jobs);
  }

  private committed(events: AnyCaseEvent[]): void {
    this.relay.kick();
    // In-process listeners (if any) hear of the write only once it committed.
    for (const event of events) this.events.emit(event.eventName, event);
  }
}
