import { EMAIL_TEMPLATE_IDS, EMAIL_TEMPLATES, EmailTemplateContext, EmailTemplateId, renderEmail } from '.';
import { emailJobDataSchema } from '../../jobs/types';

const samples: { [T in EmailTemplateId]: EmailTemplateContext<T> } = {
  'case-assigned': { caseNumber: 'C-1', caseTitle: 'Title', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
  'case-status-changed': {
    caseNumber: 'C-1',
    caseTitle: 'Title',
    previousStatus: 'Open',
    newStatus: 'Under investigation',
    changedBy: 'Ben',
    caseUrl: 'https://app.example.com/cases/1',
  },
  'sla-breach-warning': {
    caseNumber: 'C-1',
    caseTitle: 'Title',
    slaName: 'initial response',
    dueAt: '2026-12-01 09:00 UTC',
    caseUrl: 'https://app.example.com/cases/1',
  },
  'report-acknowledgement': { reportReference: 'R-7Q2X', followUpUrl: 'https://speakup.example.com/follow-up' },
  'dlq-digest': {
    total: 2,
    queues: [{ queue: 'email', count: 2 }],
    oldestAge: '3 h 5 min',
    oldestFailedAt: '2026-11-28T08:00:00.000Z',
    reasons: [{ reason: 'ECONNREFUSED', count: 2 }],
    dashboardUrl: 'https://jobs.example.com/admin/queues',
  },
  'daily-reminder': {
    assigneeName: 'Ana',
    date: '2026-12-02',
    cases: [{ caseNumber: 7, caseTitle: 'Title', dueAt: '2026-12-02 17:00 (Europe/Paris)', caseUrl: 'https://app.example.com/cases/7' }],
  },
};

describe('email templates', () => {
  it.each(EMAIL_TEMPLATE_IDS)('%s renders a subject, an HTML and a text part from its sample context', (id) => {
    const out = renderEmail(id, samples[id]);
    expect(out.subject.length).toBeGreaterThan(5);
    expect(out.subject).not.toMatch(/[\r\n]/);
    expect(out.html).toMatch(/<p>/);
    expect(out.text).not.toMatch(/<p>/);
    for (const value of Object.values(samples[id]).filter((v): v is string => typeof v === 'string')) {
      expect(out.text).toContain(value);
    }
  });

  it.each(EMAIL_TEMPLATE_IDS)('%s rejects each missing field and any extra field', (id) => {
    const schema = EMAIL_TEMPLATES[id].context;
    for (const key of Object.keys(samples[id])) {
      const { [key]: _dropped, ...rest } = samples[id] as Record<string, unknown>;
      expect(schema.safeParse(rest).success).toBe(false);
    }
    expect(schema.safeParse({ ...samples[id], internalNote: 'x' }).success).toBe(false);
  });

  it('escapes context in HTML, not in the subject or the text', () => {
    const out = renderEmail('case-assigned', { ...samples['case-assigned'], caseTitle: '<img src=x onerror=alert(1)> & co' });
    expect(out.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; co');
    expect(out.text).toContain('<img src=x onerror=alert(1)> & co');
  });

  it('keeps a report acknowledgement free of internal details', () => {
    const out = renderEmail('report-acknowledgement', samples['report-acknowledgement']);
    expect(Object.keys(EMAIL_TEMPLATES['report-acknowledgement'].context.shape).sort()).toEqual(['followUpUrl', 'reportReference']);
    expect(`${out.subject}${out.html}${out.text}`).not.toMatch(/case|assignee|investigat/i);
  });

  it('folds line breaks, so no value can start a header or break a sentence', () => {
    const out = renderEmail('case-status-changed', {
      ...samples['case-status-changed'],
      caseNumber: 'C-1\r\nBcc: x@evil.example',
      newStatus: 'Closed\n\nNext',
    });
    expect(out.subject).toBe('Case C-1 Bcc: x@evil.example is now Closed Next');
    expect(out.text).toContain('to Closed Next.');
  });

  it('takes the case number as the database holds it (an integer) or as text', () => {
    expect(renderEmail('case-assigned', { ...samples['case-assigned'], caseNumber: 42 }).subject).toBe('Case 42 was assigned to you');
    expect(EMAIL_TEMPLATES['case-assigned'].context.safeParse({ ...samples['case-assigned'], caseNumber: -1 }).success).toBe(false);
  });
});

describe('emailJobDataSchema', () => {
  const job = { organizationId: 'org-a', templateId: 'case-assigned', to: 'a@example.com', context: samples['case-assigned'] };
  const fields = (data: unknown) => emailJobDataSchema.safeParse(data).error?.issues.map((i) => i.path.join('.')) ?? [];

  it('accepts a valid job and names the field of an invalid one', () => {
    expect(fields(job)).toEqual([]);
    expect(fields({ ...job, templateId: 'nope' })).toEqual(['templateId']);
    expect(fields({ ...job, context: { ...samples['case-assigned'], assigneeName: undefined } })).toEqual(['context.assigneeName']);
    expect(fields({ ...job, to: 'x' })).toEqual(['to']);
  });
});
