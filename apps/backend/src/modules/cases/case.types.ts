import { z } from 'zod';
import { CASE_STATUSES, type CaseStatus } from '../events/case.events';
import { knownFieldsOnly } from '../http/validation';

export const CASE_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type CasePriority = (typeof CASE_PRIORITIES)[number];
/** Statuses whose deadline still runs: the SLA check and the daily reminder look only at these. */
export const OPEN_CASE_STATUSES = ['open', 'in_progress'] as const satisfies readonly CaseStatus[];

/**
 * Hours from creation to the due time a case gets from its priority, unless one is set explicitly.
 * The migration 1764400400000_case-sla.sql backfilled existing cases with the same figures.
 */
export const CASE_SLA_HOURS: Record<CasePriority, number> = { critical: 4, high: 24, medium: 72, low: 168 };
export { CASE_STATUSES, type CaseStatus };

export interface Case {
  id: string;
  number: number;
  version: number;
  title: string;
  description: string;
  category: string | null;
  priority: CasePriority;
  status: CaseStatus;
  assigneeEmail: string | null;
  dueAt: string;
  /** 'priority': derived from the priority (and follows it); 'explicit': set by a caller. */
  dueAtSource: 'priority' | 'explicit';
  createdAt: string;
  updatedAt: string;
}

export interface CaseRow {
  id: string;
  organization_id: string;
  number: number;
  version: number;
  title: string;
  description: string;
  category: string | null;
  priority: CasePriority;
  status: CaseStatus;
  assignee_email: string | null;
  due_at: Date;
  due_at_explicit: boolean;
  created_at: Date;
  updated_at: Date;
}

export const CASE_COLUMNS =
  'id, organization_id, number, version, title, description, category, priority, status, assignee_email, due_at, due_at_explicit, created_at, updated_at';

export function toCase(row: CaseRow): Case {
  return {
    id: row.id,
    number: row.number,
    version: row.version,
    title: row.title,
    description: row.description,
    category: row.category,
    priority: row.priority,
    status: row.status,
    assigneeEmail: row.assignee_email,
    dueAt: row.due_at.toISOString(),
    dueAtSource: row.due_at_explicit ? 'explicit' : 'priority',
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export { isCaseId } from '../events/case.events';

// NUL cannot be stored in a PostgreSQL text column: reject it as a 400 rather than fail the insert.
const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' });

const title = text(300).trim().min(1, { error: 'must not be empty' });
const description = text(20_000);
const category = text(100).trim().min(1, { error: 'must not be empty' }).nullable();
const priority = z.enum(CASE_PRIORITIES, { error: `must be one of ${CASE_PRIORITIES.join(', ')}` });
const status = z.enum(CASE_STATUSES, { error: `must be one of ${CASE_STATUSES.join(', ')}` });
const assigneeEmail = z.email({ error: 'must be a valid email address' }).max(320).nullable();
/** An instant with its offset; null (on update) goes back to the due time the priority gives. */
const dueAt = z
  .string({ error: 'must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00Z' })
  .pipe(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00Z' }))
  .refine(
    (v) => {
      const year = new Date(v).getUTCFullYear();
      return year >= 2000 && year <= 2100;
    },
    { error: 'must be between the years 2000 and 2100' },
  )
  .nullable();

// Unknown fields (organizationId, version, ...) are a 400 naming the field, never silently ignored.
const UNKNOWN_FIELD = 'is not a field you can set';

const createShape = {
  title,
  description: description.default(''),
  category: category.default(null),
  priority: priority.default('medium'),
  assigneeEmail: assigneeEmail.default(null),
  dueAt: dueAt.default(null),
};
export const createCaseSchema = knownFieldsOnly(createShape, UNKNOWN_FIELD);
// Typed from the shape: the loose object would add an index signature.
export type CreateCaseInput = z.infer<z.ZodObject<typeof createShape>>;

const updateShape = {
  title: title.optional(),
  description: description.optional(),
  category: category.optional(),
  priority: priority.optional(),
  status: status.optional(),
  assigneeEmail: assigneeEmail.optional(),
  dueAt: dueAt.optional(),
};
export const updateCaseSchema = knownFieldsOnly(updateShape, UNKNOWN_FIELD).refine((p) => Object.values(p).some((v) => v !== undefined), {
  error: 'must change at least one field',
});
export type UpdateCaseInput = z.infer<z.ZodObject<typeof updateShape>>;

export const listCasesSchema = knownFieldsOnly(
  {
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int()
      .min(1, { error: 'must be at least 1' })
      .max(100, { error: 'must be at most 100' })
      .default(20),
    offset: z.coerce
      .number({ error: 'must be a number' })
      .int()
      .min(0, { error: 'must be at least 0' })
      .max(100_000, { error: 'must be at most 100000' })
      .default(0),
    status: status.optional(),
  },
  'is not a known parameter',
  'invalid query',
);
export type ListCasesInput = z.infer<typeof listCasesSchema>;

export interface CasePage {
  total: number;
  limit: number;
  offset: number;
  items: Case[];
}

/** The case's version is not one the caller expected (If-Match): nothing was written. */
export class StaleCaseVersionError extends Error {
  constructor(readonly currentVersion: number) {
    super(`case is at version ${currentVersion}`);
    this.name = 'StaleCaseVersionError';
  }
}

/** The versions a write accepts: '*' or undefined for any, else the list (from If-Match). */
export type ExpectedVersions = number[] | '*' | undefined;
