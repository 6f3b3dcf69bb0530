import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DatabaseService } from '../database/database.service';
import type { EventContext } from '../events/base.event';
import {
  AnyCaseEvent,
  CaseAssignedEvent,
  CaseCreatedEvent,
  CaseDeletedEvent,
  CaseStatusChangedEvent,
  CaseUpdatedEvent,
} from '../events/case.events';
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
 * of another tenant is indistinguishable from one that does not exist. Events are emitted only
 * after the transaction committed.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly db: DatabaseService,
    private readonly events: EventEmitter2,
  ) {}

  async create(ctx: EventContext, input: CreateCaseInput): Promise<Case> {
    const { row, newTenant } = await this.db.transaction(async (client) => {
      // A tenant is known from its first case on (the schedules feature gives it its defaults).
      const tenant = await client.query(`INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id`, [ctx.organizationId]);
      const counter = await client.query<{ last_number: number }>(
        `INSERT INTO case_number_counters (organization_id, last_number) VALUES ($1, 1)
         ON CONFLICT (organization_id) DO UPDATE SET last_number = case_number_counters.last_number + 1
         RETURNING last_number`,
        [ctx.organizationId],
      );
      const inserted = await client.query<CaseRow>(
        `INSERT INTO cases (organization_id, number, title, description, category, priority, assignee_email, due_at, due_at_explicit)
         VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::timestamptz, now() + make_interval(hours => $9::int)), $8::timestamptz IS NOT NULL)
         RETURNING ${CASE_COLUMNS}`,
        [
          ctx.organizationId,
          counter.rows[0].last_number,
          input.title,
          input.description,
          input.category,
          input.priority,
          input.assigneeEmail,
          input.dueAt,
          CASE_SLA_HOURS[input.priority],
        ],
      );
      return { row: inserted.rows[0], newTenant: tenant.rowCount === 1 };
    });
    const created = toCase(row);
    if (newTenant) this.events.emit(TenantRegisteredEvent.eventName, new TenantRegisteredEvent(ctx));
    this.emit(new CaseCreatedEvent(ctx, created));
    if (row.assignee_email) this.emit(new CaseAssignedEvent(ctx, created, row.assignee_email, null));
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
      if (changed.length === 0) return { before, after: before, changed };
      const updated = await client.query<CaseRow>(
        `UPDATE cases SET ${sets.join(', ')}, version = version + 1, updated_at = now()
         WHERE organization_id = $1 AND id = $2 RETURNING ${CASE_COLUMNS}`,
        params,
      );
      return { before, after: updated.rows[0], changed };
    });
    if (!result) return null;
    const after = toCase(result.after);
    if (result.changed.length === 0) return after;

    this.emit(new CaseUpdatedEvent(ctx, after, result.changed));
    if (result.before.status !== result.after.status) {
      this.emit(new CaseStatusChangedEvent(ctx, after, result.before.status, result.after.status));
    }
    if (result.after.assignee_email && result.before.assignee_email !== result.after.assignee_email) {
      this.emit(new CaseAssignedEvent(ctx, after, result.after.assignee_email, result.before.assignee_email));
    }
    return after;
  }

  async remove(ctx: EventContext, id: string, expected?: ExpectedVersions): Promise<boolean> {
    if (!isCaseId(id)) return false;
    const deleted = await this.db.transaction(async (client) => {
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
      return rows.rows[0] ?? null;
    });
    if (!deleted) return false;
    this.emit(new CaseDeletedEvent(ctx, toCase(deleted)));
    return true;
  }

  private emit(event: AnyCaseEvent): void {
    // Listeners are async and catch their own errors: the answer never waits for them.
    this.events.emit(event.eventName, event);
  }
}
