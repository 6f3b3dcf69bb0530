import type { AdminPrincipal } from '../../auth/admin-auth';
import type { DeadLetterDetail, DeadLetterItem, DeadLetterStatus } from '../../jobs/dead-letter/dead-letter.types';
import type { FieldError } from '../../jobs/types/index';
import type { AuditEntry } from '../dead-letter-audit.repository';
import { html, query, SafeHtml } from './html';

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

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#1d2733;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:center}
header a{color:#cfe3ff}header .who{margin-left:auto;opacity:.85}
main{padding:16px 20px;max-width:1400px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e6ea;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}td.reason{max-width:520px;word-break:break-word}
pre{background:#fff;border:1px solid #e3e6ea;padding:10px;overflow:auto;max-height:480px;white-space:pre-wrap;word-break:break-word}
form.inline{display:inline}button,.button{font:inherit;padding:5px 12px;border:1px solid #8895a7;border-radius:4px;background:#fff;cursor:pointer;text-decoration:none;color:#1b1f24}
button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}button.danger{border-color:#cf222e;color:#cf222e}
.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:end;margin:8px 0 14px}.filters label{display:flex;flex-direction:column;font-size:12px;color:#57606a}
.filters input,.filters select{font:inherit;padding:4px 6px}
.notice{background:#dafbe1;border:1px solid #4ac26b;padding:8px 12px;margin-bottom:12px}.error{background:#ffebe9;border:1px solid #cf222e;padding:8px 12px;margin-bottom:12px}
.status-pending{color:#9a6700;font-weight:600}.status-replayed{color:#1a7f37}.status-dismissed{color:#57606a}
.muted{color:#57606a}.actions,#actions{margin:12px 0}.bulk{margin-top:14px;padding:10px;background:#fff;border:1px solid #e3e6ea}
textarea{width:100%;min-height:320px;font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;border:1px solid #e3e6ea;padding:10px}dt{color:#57606a}dd{margin:0}
`;

export function layout(ctx: { admin?: AdminPrincipal }, title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Ethico operations</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <strong>Ethico operations</strong><a href="${CONSOLE_ROUTE}">Dead letters</a
          ><a href="/admin/queues">Queues</a> ${ctx.admin ? html`<span class="who">${ctx.admin.name} (${ctx.admin.role})</span>` : ''}
        </header>
        <main>${body}</main>
      </body>
    </html>`.value;
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

const csrfField = (ctx: PageContext) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
const statusCell = (s: DeadLetterStatus) => html`<span class="status-${s}">${s}</span>`;

export function listPage(
  ctx: PageContext,
  filter: ListFilter,
  page: { total: number; items: DeadLetterItem[]; pageSize: number },
  options: { queues: readonly string[]; notice?: string },
): string {
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const keep = { queue: filter.queue, organization: filter.organization, reason: filter.reason, status: filter.status };
  const rows = page.items.map(
    (i) =>
      html`<tr data-entry-id="${i.id}">
        <td title="${i.failedAt}">${age(i.failedAt)}</td>
        <td>${i.queue}</td>
        <td>${i.name}</td>
        <td>${i.organizationId ?? '–'}</td>
        <td class="reason">${i.failedReason.length > 160 ? `${i.failedReason.slice(0, 160)}…` : i.failedReason}</td>
        <td>${i.attemptsMade}</td>
        <td>${statusCell(i.status)}</td>
        <td><a href="${CONSOLE_ROUTE}/${encodeURIComponent(i.id)}">open</a></td>
      </tr>`,
  );
  const bulk =
    ctx.admin.role === 'operator' && filter.status === 'pending' && page.total > 0
      ? html`<div class="bulk">
          <form method="post" action="${CONSOLE_ROUTE}/bulk" class="inline">
            ${csrfField(ctx)} <input type="hidden" name="queue" value="${filter.queue ?? ''}" /><input
              type="hidden"
              name="organization"
              value="${filter.organization ?? ''}"
            />
            <input type="hidden" name="reason" value="${filter.reason ?? ''}" />
            <span>All ${page.total} pending entries matching this filter: </span>
            <button type="submit" name="action" value="replay">Replay all…</button>
            <button type="submit" name="action" value="dismiss" class="danger">Dismiss all…</button>
          </form>
        </div>`
      : '';
  return layout(
    ctx,
    'Dead letters',
    html`<h1>Dead letters</h1>
      ${options.notice ? html`<div class="notice" role="status">${options.notice}</div>` : ''}
      <form method="get" action="${CONSOLE_ROUTE}" class="filters">
        <label
          >Queue<select name="queue">
            <option value="">all</option>
            ${options.queues.map((q) => html`<option value="${q}" ${filter.queue === q ? new SafeHtml(' selected') : ''}>${q}</option>`)}
          </select></label
        >
        <label>Organization<input name="organization" value="${filter.organization ?? ''}" placeholder="organization id" /></label>
        <label>Reason contains<input name="reason" value="${filter.reason ?? ''}" placeholder="text" /></label>
        <label
          >Status<select name="status">
            ${(['pending', 'replayed', 'dismissed', 'all'] as const).map((s) => html`<option value="${s}" ${filter.status === s ? new SafeHtml(' selected') : ''}>${s}</option>`)}
          </select></label
        >
        <button type="submit" class="primary">Filter</button> <a class="button" href="${CONSOLE_ROUTE}">Reset</a>
      </form>
      <p class="muted" id="summary">${page.total} ${page.total === 1 ? 'entry' : 'entries'} · page ${filter.page} of ${pages}</p>
      <table id="entries">
        <thead>
          <tr>
            <th>Age</th>
            <th>Source queue</th>
            <th>Job</th>
            <th>Organization</th>
            <th>Failure reason</th>
            <th>Attempts</th>
            <th>Status</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length
              ? rows
              : html`<tr>
                  <td colspan="8" class="muted">No dead letters match.</td>
                </tr>`
          }
        </tbody>
      </table>
      <p>
        ${filter.page > 1 ? html`<a href="${CONSOLE_ROUTE}${query({ ...keep, page: filter.page - 1 })}">← newer</a> ` : ''}${
          filter.page < pages ? html`<a href="${CONSOLE_ROUTE}${query({ ...keep, page: filter.page + 1 })}">older →</a>` : ''
        }
      </p>
      ${bulk}`,
  );
}

export function bulkConfirmPage(
  ctx: PageContext,
  action: 'replay' | 'dismiss',
  filter: Omit<ListFilter, 'status' | 'page'>,
  count: number,
): string {
  return layout(
    ctx,
    'Confirm',
    html`<h1>${action === 'replay' ? 'Replay' : 'Dismiss'} ${count} dead letters?</h1>
      <p>
        Filter: queue <strong>${filter.queue || 'all'}</strong>, organization <strong>${filter.organization || 'all'}</strong>, reason
        contains <strong>${filter.reason || '(anything)'}</strong>. Each entry is recorded in its audit trail.
      </p>
      <form method="post" action="${CONSOLE_ROUTE}/bulk">
        ${csrfField(ctx)} <input type="hidden" name="queue" value="${filter.queue ?? ''}" /><input
          type="hidden"
          name="organization"
          value="${filter.organization ?? ''}"
        />
        <input type="hidden" name="reason" value="${filter.reason ?? ''}" /><input type="hidden" name="action" value="${action}" /><input
          type="hidden"
          name="confirm"
          value="yes"
        />
        <button type="submit" class="${action === 'replay' ? 'primary' : 'danger'}">
          ${action === 'replay' ? 'Replay' : 'Dismiss'} ${count} entries
        </button>
        <a class="button" href="${CONSOLE_ROUTE}${query({ queue: filter.queue, organization: filter.organization, reason: filter.reason })}"
          >Cancel</a
        >
      </form>`,
  );
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

export function detailPage(
  ctx: PageContext,
  entry: DeadLetterDetail,
  view: { revealed: boolean; audit: AuditEntry[]; replayState?: string; notice?: string },
): string {
  const id = encodeURIComponent(entry.id);
  const operator = ctx.admin.role === 'operator';
  const actions =
    operator && entry.status !== 'replayed'
      ? html`<div id="actions">
          <form method="post" action="${CONSOLE_ROUTE}/${id}/replay" class="inline">
            ${csrfField(ctx)}<button type="submit" class="primary">Replay</button>
          </form>
          <a class="button" href="${CONSOLE_ROUTE}/${id}/edit">Edit and replay…</a>
          ${entry.status === 'pending' ? html`<form method="post" action="${CONSOLE_ROUTE}/${id}/dismiss" class="inline">${csrfField(ctx)}<button type="submit" class="danger">Dismiss</button></form>` : ''}
        </div>`
      : '';
  const reveal = operator
    ? view.revealed
      ? html`<a class="button" href="${CONSOLE_ROUTE}/${id}">Hide confidential fields</a>`
      : html`<a class="button" href="${CONSOLE_ROUTE}/${id}?reveal=1">Reveal confidential fields</a>
          <span class="muted">(recorded in the audit trail)</span>`
    : html`<span class="muted">Confidential fields are redacted for viewers.</span>`;
  return layout(
    ctx,
    `Dead letter ${entry.id}`,
    html`<p><a href="${CONSOLE_ROUTE}">← all dead letters</a></p>
      <h1>Dead letter <code>${entry.id}</code></h1>
      ${view.notice ? html`<div class="notice" role="status">${view.notice}</div>` : ''}
      <dl id="summary">
        <dt>Status</dt>
        <dd id="status">${statusCell(entry.status)}${entry.replayedWithEditedData ? ' (with edited data)' : ''}</dd>
        <dt>Source queue</dt>
        <dd>${entry.queue}</dd>
        <dt>Job</dt>
        <dd>${entry.name} (id ${entry.jobId})</dd>
        <dt>Organization</dt>
        <dd>${entry.organizationId ?? '–'}</dd>
        <dt>Correlation id</dt>
        <dd>${entry.correlationId ?? '–'}</dd>
        <dt>Attempts</dt>
        <dd>${entry.attemptsMade}</dd>
        <dt>First attempt</dt>
        <dd>${entry.firstAttemptAt ?? '–'}</dd>
        <dt>Failed</dt>
        <dd>${entry.failedAt} (${age(entry.failedAt)} ago)</dd>
        ${
          entry.replayedJobId
            ? html`<dt>Replayed as</dt>
                <dd id="replayed-job">
                  ${entry.queue} job ${entry.replayedJobId}, now
                  <strong id="replay-state">${view.replayState ?? 'unknown'}</strong>${entry.replayedAt ? `, ${entry.replayedAt}` : ''}
                </dd>`
            : ''
        }
        ${
          entry.dismissedAt
            ? html`<dt>Dismissed</dt>
                <dd>${entry.dismissedAt}</dd>`
            : ''
        }
      </dl>
      ${actions}
      <h2>Failure reason</h2>
      <pre id="reason">${entry.failedReason}</pre>
      <h2>Payload</h2>
      <p>${reveal}</p>
      <pre id="payload">${pretty(entry.data)}</pre>
      <h2>Attempt history</h2>
      <table id="attempts">
        <thead>
          <tr>
            <th>#</th>
            <th>Started</th>
            <th>Failed</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          ${
            entry.attempts.length
              ? entry.attempts.map(
                  (a) =>
                    html`<tr>
                      <td>${a.attempt}</td>
                      <td>${a.startedAt ?? '–'}</td>
                      <td>${a.failedAt}</td>
                      <td class="reason">${a.error}</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="4" class="muted">No attempts recorded.</td>
                </tr>`
          }
        </tbody>
      </table>
      <h2>Stack</h2>
      ${entry.stacktrace.length ? entry.stacktrace.map((s) => html`<pre class="stack">${s}</pre>`) : html`<p class="muted">No stack trace.</p>`}
      <h2>Audit trail</h2>
      <table id="audit">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>Payload before (SHA-256)</th>
            <th>Payload after</th>
            <th>Replay job</th>
            <th>Bulk</th>
          </tr>
        </thead>
        <tbody>
          ${
            view.audit.length
              ? view.audit.map(
                  (a) =>
                    html`<tr data-action="${a.action}">
                      <td>${a.at.toISOString()}</td>
                      <td>${a.actor} (${a.actorRole})</td>
                      <td>${a.action}</td>
                      <td>${a.beforeHash ? html`<code title="${a.beforeHash}">${a.beforeHash.slice(0, 16)}…</code>` : '–'}</td>
                      <td>${a.afterHash ? html`<code title="${a.afterHash}">${a.afterHash.slice(0, 16)}…</code>` : '–'}</td>
                      <td>${a.replayJobId ?? '–'}</td>
                      <td>${a.bulkId ? a.bulkId.slice(0, 8) : '–'}</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="7" class="muted">No actions yet.</td>
                </tr>`
          }
        </tbody>
      </table>`,
  );
}

export function editPage(ctx: PageContext, entry: DeadLetterDetail, payloadText: string, errors: FieldError[] = []): string {
  const id = encodeURIComponent(entry.id);
  return layout(
    ctx,
    `Edit ${entry.id}`,
    html`<p><a href="${CONSOLE_ROUTE}/${id}">← back to the entry</a></p>
      <h1>Edit and replay <code>${entry.id}</code></h1>
      <p>
        ${entry.queue} job <strong>${entry.name}</strong>. The payload is checked against the job type's schema before it is replayed; the
        entry keeps the original.
      </p>
      ${
        errors.length
          ? html`<div class="error" role="alert" id="errors">
              <strong>The payload was not replayed:</strong>
              <ul>
                ${errors.map((e) => html`<li><code>${e.field}</code>: ${e.message}</li>`)}
              </ul>
            </div>`
          : ''
      }
      <form method="post" action="${CONSOLE_ROUTE}/${id}/edit">
        ${csrfField(ctx)}
        <textarea name="payload" spellcheck="false">${payloadText}</textarea>
        <p><button type="submit" class="primary">Validate and replay</button> <a class="button" href="${CONSOLE_ROUTE}/${id}">Cancel</a></p>
      </form>`,
  );
}

export function messagePage(ctx: { admin?: AdminPrincipal }, title: string, message: string): string {
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
      <div class="error" role="alert">${message}</div>
      <p><a href="${CONSOLE_ROUTE}">Back to dead letters</a></p>`,
  );
}
