import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { bearer, tokenFor } from './harness/http';

describe('HTTP job API', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => app.close());

  const email = {
    templateId: 'case-assigned',
    to: 'a@example.com',
    context: { caseNumber: 'C-1', caseTitle: 'Expense fraud', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
  };

  it('accepts a valid job with 202 and echoes the correlation id', async () => {
    const res = await request(app.url!)
      .post('/api/v1/jobs/email')
      .set(bearer('org-a'))
      .set('X-Correlation-Id', 'corr-123')
      .send({ ...email, priority: 'high' });
    expect(res.status).toBe(202);
    expect(res.headers['x-correlation-id']).toBe('corr-123');
    expect(res.body).toEqual({ id: expect.any(String), queue: 'email', name: 'send-email', state: 'prioritized' });
    const job = await request(app.url!).get(`/api/v1/jobs/email/${res.body.id}`).set(bearer('org-a'));
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: res.body.id, queue: 'email', name: 'send-email', attemptsMade: 0 });
  });

  it.each([
    ['missing token', {}, 401],
    ['bad signature', { Authorization: `Bearer ${tokenFor('org-a', 'u', 'another-secret-of-sufficient-length-123')}` }, 401],
  ])('answers 401 for %s', async (_name, headers, status) => {
    const res = await request(app.url!).post('/api/v1/jobs/email').set(headers).send(email);
    expect(res.status).toBe(status);
  });

  it('answers 404 for an unknown queue and 400 with field errors for a bad body', async () => {
    expect((await request(app.url!).post('/api/v1/jobs/nope').set(bearer('org-a')).send(email)).status).toBe(404);
    const res = await request(app.url!)
      .post('/api/v1/jobs/email')
      .set(bearer('org-a'))
      .send({ ...email, to: 'not-an-address' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'to', message: expect.stringContaining('email') }]);
  });

  it('answers 413 for an oversized body', async () => {
    const res = await request(app.url!)
      .post('/api/v1/jobs/email')
      .set(bearer('org-a'))
      .send({ ...email, context: { blob: 'x'.repeat(200_000) } });
    expect(res.status).toBe(413);
  });

  it('hides another tenant’s job', async () => {
    const res = await request(app.url!).post('/api/v1/jobs/email').set(bearer('org-a')).send(email);
    const other = await request(app.url!).get(`/api/v1/jobs/email/${res.body.id}`).set(bearer('org-b'));
    expect(other.status).toBe(404);
  });
});
