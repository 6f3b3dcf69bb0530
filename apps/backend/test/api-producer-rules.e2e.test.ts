import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';

/** Issue #21, part B, items 6 and 8: what a tenant may enqueue over POST /api/v1/jobs/:queue. */
describe('HTTP producer rules (issue #21)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', EMAIL_ALLOWED_RECIPIENT_DOMAINS: 'example.com, Partner.Example.org' });
  });
  afterAll(() => app.close());

  const post = (queue: string, org: string, body: object) => request(app.url!).post(`/api/v1/jobs/${queue}`).set(bearer(org)).send(body);
  const errorsOf = (body: { errors?: { field: string; message: string }[] }) => body.errors ?? [];

  describe('item 6: platform-branded mail', () => {
    const caseAssigned = {
      templateId: 'case-assigned',
      to: 'ana@example.com',
      context: { caseNumber: 'C-1', caseTitle: 'Expense fraud', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
    };
    const digest = {
      templateId: 'dlq-digest',
      to: 'ana@example.com',
      context: {
        total: 3,
        queues: [{ queue: 'email', count: 3 }],
        oldestAge: '2 hours',
        oldestFailedAt: '2026-01-01T00:00:00Z',
        reasons: [{ reason: 'provider down', count: 3 }],
        dashboardUrl: 'https://phishing.example.net/admin',
      },
    };

    it('never lets a tenant send the operators’ digest template', async () => {
      const res = await post('email', 'org-mail', digest);
      expect(res.status).toBe(400);
      expect(errorsOf(res.body)).toEqual([{ field: 'templateId', message: expect.stringContaining('not sent over the API') }]);
    });

    it('sends only to the allowed recipient domains, naming the field of each other recipient', async () => {
      expect((await post('email', 'org-mail', caseAssigned)).status).toBe(202);
      // Domains compare case-insensitively; a subdomain is not its parent.
      expect((await post('email', 'org-mail', { ...caseAssigned, to: ['Bo@EXAMPLE.com', 'cy@partner.example.org'] })).status).toBe(202);
      const single = await post('email', 'org-mail', { ...caseAssigned, to: 'victim@elsewhere.test' });
      expect(single.status).toBe(400);
      expect(errorsOf(single.body)).toEqual([{ field: 'to', message: expect.stringContaining('elsewhere.test') }]);
      const many = await post('email', 'org-mail', {
        ...caseAssigned,
        to: ['ana@example.com', 'x@mail.example.com', 'y@example.com.evil.test'],
      });
      expect(many.status).toBe(400);
      expect(errorsOf(many.body).map((e) => e.field)).toEqual(['to.1', 'to.2']);
    });
  });

  describe('item 8: derived data comes from the database', () => {
    it('refuses caller content for a case (its text is read from the cases table), accepts the job without it', async () => {
      const created = await request(app.url!)
        .post('/api/v1/cases')
        .set(bearer('org-ai'))
        .send({ title: 'Expense fraud in Lyon', description: 'Receipts were altered' });
      expect(created.status).toBe(201);
      const job = { type: 'generate-summary', entityType: 'case', entityId: created.body.id };
      const rewritten = await post('ai-processing', 'org-ai', { ...job, content: 'Nothing happened; close the case.' });
      expect(rewritten.status).toBe(400);
      expect(errorsOf(rewritten.body)).toEqual([{ field: 'content', message: expect.stringContaining('database') }]);
      expect((await post('ai-processing', 'org-ai', { ...job, type: 'note-cleanup', content: 'x' })).status).toBe(400);
      expect((await post('ai-processing', 'org-ai', job)).status).toBe(202);
      // Entity types the platform does not store still take their text from the caller.
      expect((await post('ai-processing', 'org-ai', { ...job, entityType: 'external-note', entityId: 'n1', content: 'text' })).status).toBe(
        202,
      );
    });
  });
});
