import type { AdminPrincipal } from '../../auth/admin-auth';
import type { DeadLetterDetail, DeadLetterItem, DeadLetterStatus } from '../../jobs/dead-letter/dead-letter.types';
import type { FieldError } from '../../jobs/types/index';
import type { AuditEntry } from '../dead-letter-audit.repository';
import { pageTemplate } from './view-templates';

/*
 * The console's pages: each function turns what the controller has into the plain values its
 * template (templates/*.hbs) shows, so the templates only place and escape them.
 */

export const CONSOLE_ROUTE = '/admin/dead-letter';

export interface ListFilter {
  queue?: string;
  organization?: string;
  reason?: string;
  status: DeadLetterStatus | 'all';
  page: number;
}

interface PageContext {
  admin: AdminPrincipal;
  csrf: string;
}

/** What the layout needs: every page view has it. */
interface LayoutView {
  title: string;
  admin: AdminPrincipal | null;
}

interface FormView extends LayoutView {
  csrf: string;
}

/** The filter as the hidden fields of a bulk form carry it (templates/partials/filter-fields.hbs). */
interface FilterFields {
  queue: string;
  organization: string;
  reason: string;
}

interface Option {
  value: string;
  selected: boolean;
}

interface ListView extends FormView {
  notice: string | null;
  queues: Option[];
  statuses: Option[];
  filter: FilterFields;
  total: number;
  entries: 'entry' | 'entries';
  page: number;
  pages: number;
  rows: {
    id: string;
    href: string;
    failedAt: string;
    age: string;
    queue: string;
    name: string;
    organization: string;
    reason: string;
    attemptsMade: number;
    status: DeadLetterStatus;
  }[];
  newerHref: string | null;
  olderHref: string | null;
  bulk: boolean;
}

interface BulkConfirmView extends FormView {
  action: 'replay' | 'dismiss';
  verb: 'Replay' | 'Dismiss';
  buttonClass: 'primary' | 'danger';
  count: number;
  everything: boolean;
  filter: FilterFields;
  shown: FilterFields;
  cancelHref: string;
}

interface DetailView extends FormView {
  id: string;
  entryHref: string;
  notice: string | null;
  status: DeadLetterStatus;
  replayedWithEditedData: boolean;
  queue: string;
  name: string;
  jobId: string;
  organization: string;
  correlationId: string;
  attemptsMade: number;
  firstAttemptAt: string;
  failedAt: string;
  age: string;
  replayed: { jobId: string; state: string; at: string | null } | null;
  dismissedAt: string | null;
  actions: { dismiss: boolean } | null;
  failedReason: string;
  operator: boolean;
  revealed: boolean;
  payload: string;
  attempts: { attempt: number; startedAt: string; failedAt: string; error: string }[];
  stacktrace: string[];
  audit: {
    at: string;
    actor: string;
    actorRole: string;
    action: string;
    beforeHash: string | null;
    beforeShort: string | null;
    afterHash: string | null;
    afterShort: string | null;
    replayJobId: string;
    bulk: string;
  }[];
}

interface EditView extends FormView {
  id: string;
  entryHref: string;
  queue: string;
  name: string;
  errors: FieldError[];
  payloadText: string;
}

interface MessageView extends LayoutView {
  message: string;
}

const templates = {
  list: pageTemplate<ListView>('list', CONSOLE_ROUTE),
  bulkConfirm: pageTemplate<BulkConfirmView>('bulk-confirm', CONSOLE_ROUTE),
  detail: pageTemplate<DetailView>('detail', CONSOLE_ROUTE),
  edit: pageTemplate<EditView>('edit', CONSOLE_ROUTE),
  message: pageTemplate<MessageView>('message', CONSOLE_ROUTE),
};

/** A query string from defined values, for links that keep the current filters. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function age(iso: string | null, now = Date.now()): string {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const NOTICES: Record<string, string> = {
  replayed: 'Replayed: the job is back on its queue.',
  'edited-replayed': 'Replayed with the edited payload.',
  dismissed: 'Dismissed.',
  'already-done': 'Nothing to do: the entry is no longer pending.',
};

export function noticeText(key: unknown, counts: { done?: number; skipped?: number; failed?: number }): string | undefined {
  if (key === 'bulk-replayed' || key === 'bulk-dismissed') {
    const verb = key === 'bulk-replayed' ? 'Replayed' : 'Dismissed';
    return `${verb} ${counts.done ?? 0} entries${counts.skipped ? `, ${counts.skipped} no longer pending` : ''}${counts.failed ? `, ${counts.failed} failed (retry them)` : ''}.`;
  }
  return typeof key === 'string' ? NOTICES[key] : undefined;
}

const entryHref = (id: string) => `${CONSOLE_ROUTE}/${encodeURIComponent(id)}`;
const orDash = (value: string | null | undefined) => value ?? '–';
const filterFields = (filter: Omit<ListFilter, 'status' | 'page'>): FilterFields => ({
  queue: filter.queue ?? '',
  organization: filter.organization ?? '',
  reason: filter.reason ?? '',
});

export function listPage(
  ctx: PageContext,
  filter: ListFilter,
  page: { total: number; items: DeadLetterItem[]; pageSize: number },
  options: { queues: readonly string[]; notice?: string },
): string {
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const keep = { queue: filter.queue, organization: filter.organization, reason: filter.reason, status: filter.status };
  return templates.list({
    title: 'Dead letters',
    admin: ctx.admin,
    csrf: ctx.csrf,
    notice: options.notice ?? null,
    queues: options.queues.map((q) => ({ value: q, selected: filter.queue === q })),
    statuses: (['pending', 'replayed', 'dismissed', 'all'] as const).map((s) => ({ value: s, selected: filter.status === s })),
    filter: filterFields(filter),
    total: page.total,
    entries: page.total === 1 ? 'entry' : 'entries',
    page: filter.page,
    pages,
    rows: page.items.map((i) => ({
      id: i.id,
      href: entryHref(i.id),
      failedAt: i.failedAt,
      age: age(i.failedAt),
      queue: i.queue,
      name: i.name,
      organization: orDash(i.organizationId),
      reason: i.failedReason.length > 160 ? `${i.failedReason.slice(0, 160)}…` : i.failedReason,
      attemptsMade: i.attemptsMade,
      status: i.status,
    })),
    newerHref: filter.page > 1 ? `${CONSOLE_ROUTE}${query({ ...keep, page: filter.page - 1 })}` : null,
    olderHref: filter.page < pages ? `${CONSOLE_ROUTE}${query({ ...keep, page: filter.page + 1 })}` : null,
    bulk: ctx.admin.role === 'operator' && filter.status === 'pending' && page.total > 0,
  });
}

export function bulkConfirmPage(
  ctx: PageContext,
  action: 'replay' | 'dismiss',
  filter: Omit<ListFilter, 'status' | 'page'>,
  count: number,
): string {
  const everything = !filter.queue && !filter.organization && !filter.reason;
  return templates.bulkConfirm({
    title: 'Confirm',
    admin: ctx.admin,
    csrf: ctx.csrf,
    action,
    verb: action === 'replay' ? 'Replay' : 'Dismiss',
    buttonClass: action === 'replay' ? 'primary' : 'danger',
    count,
    everything,
    filter: filterFields(filter),
    shown: { queue: filter.queue || 'all', organization: filter.organization || 'all', reason: filter.reason || '(anything)' },
    cancelHref: `${CONSOLE_ROUTE}${query({ queue: filter.queue, organization: filter.organization, reason: filter.reason })}`,
  });
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

export function detailPage(
  ctx: PageContext,
  entry: DeadLetterDetail,
  view: { revealed: boolean; audit: AuditEntry[]; replayState?: string; notice?: string },
): string {
  const operator = ctx.admin.role === 'operator';
  return templates.detail({
    title: `Dead letter ${entry.id}`,
    admin: ctx.admin,
    csrf: ctx.csrf,
    id: entry.id,
    entryHref: entryHref(entry.id),
    notice: view.notice ?? null,
    status: entry.status,
    replayedWithEditedData: entry.replayedWithEditedData,
    queue: entry.queue,
    name: entry.name,
    jobId: entry.jobId,
    organization: orDash(entry.organizationId),
    correlationId: orDash(entry.correlationId),
    attemptsMade: entry.attemptsMade,
    firstAttemptAt: orDash(entry.firstAttemptAt),
    failedAt: entry.failedAt,
    age: age(entry.failedAt),
    replayed: entry.replayedJobId ? { jobId: entry.replayedJobId, state: view.replayState ?? 'unknown', at: entry.replayedAt } : null,
    dismissedAt: entry.dismissedAt,
    actions: operator && entry.status !== 'replayed' ? { dismiss: entry.status === 'pending' } : null,
    failedReason: entry.failedReason,
    operator,
    revealed: view.revealed,
    payload: pretty(entry.data),
    attempts: entry.attempts.map((a) => ({ attempt: a.attempt, startedAt: orDash(a.startedAt), failedAt: a.failedAt, error: a.error })),
    stacktrace: entry.stacktrace,
    audit: view.audit.map((a) => ({
      at: a.at.toISOString(),
      actor: a.actor,
      actorRole: a.actorRole,
      action: a.action,
      beforeHash: a.beforeHash,
      beforeShort: a.beforeHash ? a.beforeHash.slice(0, 16) : null,
      afterHash: a.afterHash,
      afterShort: a.afterHash ? a.afterHash.slice(0, 16) : null,
      replayJobId: orDash(a.replayJobId),
      bulk: a.bulkId ? a.bulkId.slice(0, 8) : '–',
    })),
  });
}

export function editPage(ctx: PageContext, entry: DeadLetterDetail, payloadText: string, errors: FieldError[] = []): string {
  return templates.edit({
    title: `Edit ${entry.id}`,
    admin: ctx.admin,
    csrf: ctx.csrf,
    id: entry.id,
    entryHref: entryHref(entry.id),
    queue: entry.queue,
    name: entry.name,
    errors,
    payloadText,
  });
}

export function messagePage(ctx: { admin?: AdminPrincipal }, title: string, message: string): string {
  return templates.message({ title, admin: ctx.admin ?? null, message });
}
