import request from 'supertest';
import { startTestApp, TestApp } from './harness/app';
import { caseAssigned } from './harness/email';
import { bearer } from './harness/http';

describe('POST /api/v1/jobs/email validates against the template registry', () => {
  let app: TestApp;
  const { organizationId: _org, ...valid } = caseAssigned();

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => app.close());

  const post = (body: unknown) =>
    request(app.url!)
      .post('/api/v1/jobs/email')
      .set(bearer('org-a'))
      .send(body as object);

  it('accepts a complete case-assigned email', async () => {
    expect((await post(valid)).status).toBe(202);
  });

  it.each([
    ['unknown template', { ...valid, templateId: 'case-asigned' }, 'templateId', 'unknown template'],
    ['missing context field', { ...valid, context: { ...valid.context, caseTitle: undefined } }, 'context.caseTitle', 'is required'],
    ['bad context field', { ...valid, context: { ...valid.context, caseUrl: 'javascript:alert(1)' } }, 'context.caseUrl', 'http(s) URL'],
    ['invalid address in a list', { ...valid, to: ['ok@example.com', 'not-an-address'] }, 'to.1', 'email'],
    ['invalid single address', { ...valid, to: 'nobody' }, 'to', 'email'],
    [
      'internal details for an anonymous reporter',
      {
        ...valid,
        templateId: 'report-acknowledgement',
        context: { reportReference: 'R-7Q2X', followUpUrl: 'https://speakup.example.com/r', caseTitle: 'x' },
      },
      'context',
      'caseTitle',
    ],
    [
      'a custom subject for an anonymous reporter',
      {
        ...valid,
        templateId: 'report-acknowledgement',
        subject: 'Re: harassment by J. Smith',
        context: { reportReference: 'R-7Q2X', followUpUrl: 'https://speakup.example.com/r' },
      },
      'subject',
      'fixed',
    ],
  ])('answers 400 naming the field: %s', async (_name, body, field, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });
});
