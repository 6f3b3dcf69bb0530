import type { DeadLetterDetail } from '../../jobs/dead-letter/dead-letter.types';
import type { AuditEntry } from '../dead-letter-audit.repository';
import { CsrfTokens } from './csrf';
import { age, bulkConfirmPage, detailPage, editPage, listPage, messagePage } from './dead-letter.views';
import { reportsPage } from './reports.views';

// Everything an attacker controls (payloads, failure reasons, filters, ids) written to get out of
// text, out of an attribute, or into a template expression.
const EVIL = `<script>alert("x")</script>' onmouseover='y' \`z\` {{evil}} {{{raw}}} {{> layout}} & a=b`;
const ESCAPED =
  '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#x27; onmouseover&#x3D;&#x27;y&#x27; &#x60;z&#x60; {{evil}} {{{raw}}} {{&gt; layout}} &amp; a&#x3D;b';

const operator = { admin: { name: `otto ${EVIL}`, role: 'operator' as const }, csrf: `token ${EVIL}` };

function entry(over: Partial<DeadLetterDetail> = {}): DeadLetterDetail {
  return {
    id: `id ${EVIL}`,
    queue: 'ai-processing',
    jobId: `job ${EVIL}`,
    name: `name ${EVIL}`,
    data: { content: `payload ${EVIL}\n  second line` },
    failedReason: `reason ${EVIL}`,
    attemptsMade: 3,
    failedAt: '2026-01-01T00:00:00.000Z',
    firstAttemptAt: null,
    lastAttemptAt: null,
    organizationId: `org ${EVIL}`,
    correlationId: `corr ${EVIL}`,
    status: 'replayed',
    replayedJobId: `replay ${EVIL}`,
    stacktrace: [`stack ${EVIL}`],
    attempts: [{ attempt: 1, startedAt: null, failedAt: `failed ${EVIL}`, error: `error ${EVIL}` }],
    replayedAt: `at ${EVIL}`,
    replayedWithEditedData: true,
    dismissedAt: `dismissed ${EVIL}`,
    ...over,
  };
}

const audit: AuditEntry[] = [
  {
    id: 'a1',
    at: new Date('2026-01-02T00:00:00Z'),
    actor: `actor ${EVIL}`,
    actorRole: 'operator',
    action: 'edit-and-replay',
    entryId: 'e',
    sourceQueue: 'ai-processing',
    jobName: 'n',
    organizationId: null,
    beforeHash: `b${EVIL}`,
    afterHash: `a${EVIL}`,
    replayJobId: `r ${EVIL}`,
    bulkId: null,
    correlationId: null,
    outcome: 'done',
    detail: null,
  },
];

/** Every occurrence of EVIL's characters in the page is the escaped form: nothing raw, nothing evaluated. */
function expectEscaped(page: string, minimum: number): void {
  expect(page).not.toMatch(/<script|onmouseover='|`z`|a=b/);
  expect(page.split(ESCAPED).length - 1).toBeGreaterThanOrEqual(minimum);
  expect(page).toMatch(/^<!doctype html>/);
  expect(page).toContain('</html>');
}

describe('console pages', () => {
  it('escape hostile values in the list, its filters and its bulk form', () => {
    const filter = { queue: 'email', organization: `org ${EVIL}`, reason: `reason ${EVIL}`, status: 'pending' as const, page: 2 };
    const page = listPage(
      operator,
      filter,
      { total: 60, items: [entry({ status: 'pending' })], pageSize: 25 },
      {
        queues: ['ai-processing', 'email'],
        notice: `notice ${EVIL}`,
      },
    );
    // Name, csrf, notice, filter inputs (2) and hidden fields (2), row id, job name, organization, reason, pager links.
    expectEscaped(page, 11);
    expect(page).toContain(`<input type="hidden" name="_csrf" value="token ${ESCAPED}" />`);
    expect(page).toContain(`<input type="hidden" name="organization" value="org ${ESCAPED}" />`);
    expect(page).toContain(`<input name="reason" value="reason ${ESCAPED}" placeholder="text" />`);
    expect(page).toContain('<option value="email" selected>email</option>');
    expect(page).toContain(`<tr data-entry-id="id ${ESCAPED}">`);
    expect(page).toContain(`<a href="/admin/dead-letter/${encodeURIComponent(`id ${EVIL}`).replaceAll("'", '&#x27;')}">open</a>`);
    // Pager links keep the filter: URL-encoded, then escaped like every attribute (= and & too).
    expect(page).toContain('<a href="/admin/dead-letter?queue&#x3D;email&amp;organization&#x3D;org+%3Cscript%3Ealert%28%22x%22%29');
    expect(page).toContain('&amp;status&#x3D;pending&amp;page&#x3D;3">older →</a>');
    expect(page).toContain('All 60 pending entries matching this filter');
  });

  it('escape hostile values on the entry page, in <pre> without changing the text', () => {
    const page = detailPage(operator, entry(), { revealed: true, audit, replayState: `state ${EVIL}`, notice: `notice ${EVIL}` });
    expectEscaped(page, 15);
    expect(page).toContain(`<pre id="reason">reason ${ESCAPED}</pre>`);
    expect(page).toContain(
      `<pre id="payload">{\n  &quot;content&quot;: &quot;payload ${ESCAPED.replaceAll('&quot;', '\\&quot;')}\\n  second line&quot;\n}</pre>`,
    );
    expect(page).toContain(`<pre class="stack">stack ${ESCAPED}</pre>`);
    expect(page).toContain(`<code title="a${ESCAPED}">`);
    expect(page).toContain(`<strong id="replay-state">state ${ESCAPED}</strong>, at ${ESCAPED}`);
    expect(page).toContain(' (with edited data)');
  });

  it('escape hostile values in the edit form, the bulk confirmation and messages', () => {
    const edit = editPage(operator, entry(), `{"x": "${EVIL}</textarea>"}`, [{ field: `f ${EVIL}`, message: `m ${EVIL}` }]);
    expectEscaped(edit, 5);
    expect(edit).toContain(
      `<textarea name="payload" spellcheck="false">{&quot;x&quot;: &quot;${ESCAPED}&lt;/textarea&gt;&quot;}</textarea>`,
    );
    expect(edit).toContain(`<li><code>f ${ESCAPED}</code>: m ${ESCAPED}</li>`);

    const confirm = bulkConfirmPage(operator, 'dismiss', { organization: `org ${EVIL}` }, 2);
    expectEscaped(confirm, 4);
    expect(confirm).toContain('<input type="hidden" name="confirm" value="yes" />');
    expect(confirm).toContain('queue <strong>all</strong>');

    const message = messagePage({}, `title ${EVIL}`, `message ${EVIL}`);
    expectEscaped(message, 3);
    expect(message).toContain(`<div class="error" role="alert">message ${ESCAPED}</div>`);
    expect(message).not.toContain('class="who"');
  });

  it('escape hostile values on the reports page', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const html = reportsPage(
      operator.admin,
      `org ${EVIL}`,
      [
        {
          id: '00000000-0000-4000-8000-000000000000',
          organizationId: `org ${EVIL}`,
          jobId: `job ${EVIL}`,
          format: 'csv',
          filter: { q: EVIL },
          status: 'ready',
          rows: 3,
          bytes: 2048,
          createdAt: at,
          finishedAt: at,
          expiresAt: at,
        },
      ],
      [
        {
          at,
          organizationId: `org ${EVIL}`,
          queue: 'reports',
          jobId: `job ${EVIL}`,
          jobName: `name ${EVIL}`,
          state: 'active',
          outcome: 'abort-requested',
          requestedBy: `user ${EVIL}`,
          correlationId: null,
        },
      ],
      at.getTime() + 90_000,
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain("onmouseover='");
    for (const prefix of ['org', 'job', 'name', 'user']) expect(html).toContain(`${prefix} ${ESCAPED}`);
    expect(html).toContain('2.0 KB');
    expect(html).toContain('aborted while running');
    expect(html).toContain('<td title="2026-01-01T00:00:00.000Z">1m</td>');
  });

  it('show viewers no actions and no reveal link', () => {
    const viewer = { admin: { name: 'vera', role: 'viewer' as const }, csrf: 't' };
    const page = detailPage(viewer, entry({ status: 'pending' }), { revealed: false, audit: [] });
    expect(page).not.toContain('id="actions"');
    expect(page).not.toContain('reveal=1');
    expect(page).toContain('Confidential fields are redacted for viewers.');
    expect(page).toContain('No actions yet.');
    expect(listPage(viewer, { status: 'pending', page: 1 }, { total: 1, items: [entry()], pageSize: 25 }, { queues: [] })).not.toContain(
      'class="bulk"',
    );
  });
});

describe('console building blocks', () => {
  it('issues CSRF tokens bound to the user and to time', () => {
    const tokens = new CsrfTokens('s'.repeat(40));
    const now = Date.now();
    const token = tokens.issue('alice', now);
    expect(tokens.verify('alice', token, now + 1000)).toBe(true);
    expect(tokens.verify('bob', token, now + 1000)).toBe(false);
    expect(tokens.verify('alice', token, now + 13 * 3600_000)).toBe(false);
    expect(tokens.verify('alice', `${token}x`, now)).toBe(false);
    expect(tokens.verify('alice', undefined, now)).toBe(false);
    expect(new CsrfTokens('t'.repeat(40)).verify('alice', token, now)).toBe(false);
  });

  it.each([
    [30_000, '30s'],
    [5 * 60_000, '5m'],
    [3 * 3600_000 + 12 * 60_000, '3h 12m'],
    [3 * 86400_000 + 2 * 3600_000, '3d 2h'],
  ])('shows an age of %i ms as %s', (ms, text) => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(age(new Date(now - ms).toISOString(), now)).toBe(text);
  });
});
