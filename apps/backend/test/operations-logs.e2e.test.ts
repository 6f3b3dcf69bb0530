import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { TEST_ADMIN } from './harness/config';
import { adminAuth, tokenFor } from './harness/http';
import { eventually } from './harness/wait';
import { aiScript, scriptedAiWorkers } from './operations/scripted-ai.processor';

const WHISTLEBLOWER = 'whistle.blower@example.com';
const RECIPIENT = 'hr.director@example.org';
const ALLEGATION = 'SECRET-ALLEGATION-the-controller-backdates-invoices';
const SEARCH_TEXT = 'SECRET-SEARCH-embezzlement-by-the-cfo';
const URL_TOKEN = 'abc-URL-TOKEN-0123456789';

type Line = Record<string, unknown> & { level: number; msg?: string };

/**
 * One full run at debug level: requests with credentials, confidential payloads, jobs that
 * succeed, retry and fail for good, console reveals and replays. Then the captured log is
 * searched for every secret and address the run used, and checked for context fields.
 */
describe('structured logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ethico-logs-'));
  const logFile = join(dir, 'run.log');
  let app: TestApp;
  let lines: Line[] = [];
  let raw = '';
  const token = tokenFor('org-logs', 'user-logs');
  let followUpCorrelation: unknown;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', LOG_LEVEL: 'debug', LOG_FILE: logFile }, { imports: [scriptedAiWorkers({ email: true })] });
    const ai = (correlationId: string, entityId: string) =>
      request(app.url!)
        .post('/api/v1/jobs/ai-processing')
        .set('Authorization', `Bearer ${token}`)
        .set('X-Correlation-Id', correlationId)
        // Not a case: over HTTP a case's text comes from the database, never from the caller.
        .send({ type: 'generate-summary', entityType: 'report', entityId, content: `${ALLEGATION}, reported by ${WHISTLEBLOWER}` });

    aiScript.mode = 'succeed';
    expect((await ai('corr-logs-ok', 'case-ok')).status).toBe(202);
    const jobs = app.context.get(JobsService);
    followUpCorrelation = await eventually(async () => {
      const waiting = await jobs.queue('indexing').getJobs(['waiting', 'prioritized']);
      const data = await Promise.all(waiting.map((j) => dataOf<{ entityId: string; correlationId?: string }>(app, j)));
      return data.find((d) => d.entityId === 'case-ok')?.correlationId;
    });

    aiScript.mode = 'fail-and-retry';
    expect((await ai('corr-logs-retry', 'case-retry')).status).toBe(202);
    await eventually(async () => (await jobs.queue('ai-processing').getJobs(['delayed'])).length > 0);

    aiScript.mode = 'fail-for-good';
    expect((await ai('corr-logs-dead', 'case-dead')).status).toBe(202);
    // A real email, delivered to the file outbox by the email worker: recipients and case text are confidential.
    const email = await request(app.url!)
      .post('/api/v1/jobs/email')
      .set('Authorization', `Bearer ${token}`)
      .send({
        templateId: 'case-assigned',
        to: RECIPIENT,
        context: {
          caseNumber: 'C-2026-0007',
          caseTitle: ALLEGATION,
          assigneeName: `Dana (${WHISTLEBLOWER})`,
          caseUrl: 'https://app.example.com/cases/7',
        },
      });
    expect(email.status).toBe(202);
    await eventually(async () => (await jobs.queue('email').getJobState(email.body.id)) === 'completed');
    await eventually(async () => (await request(app.url!).get('/admin/api/dead-letter/ai-processing-3').set(adminAuth())).status === 200);

    // An operator reveals and replays through the console and the JSON API.
    const id = 'ai-processing-3';
    const page = await request(app.url!).get(`/admin/dead-letter/${id}?reveal=1`).set(adminAuth());
    expect(page.text).toContain(WHISTLEBLOWER);
    expect((await request(app.url!).post(`/admin/api/dead-letter/${id}/replay`).set(adminAuth())).status).toBe(200);
    expect((await request(app.url!).post('/api/v1/jobs/email').set('Authorization', 'Bearer not-a-token').send({})).status).toBe(401);
    // An operator searching failure reasons for an address: the URL is logged, the address is not.
    expect(
      (await request(app.url!).get('/admin/dead-letter').query({ reason: WHISTLEBLOWER, status: 'all' }).set(adminAuth())).status,
    ).toBe(200);
    expect((await request(app.url!).get('/admin/dead-letter').set(adminAuth(TEST_ADMIN.username, 'a-wrong-password-777'))).status).toBe(
      401,
    );
    // The replay fails again (the provider still refuses) and the retried job fails for good: two new entries.
    await eventually(
      async () =>
        (await request(app.url!).get('/admin/api/dead-letter/ai-processing-replay-ai-processing-3').set(adminAuth())).status === 200,
    );
    await eventually(
      async () => (await request(app.url!).get('/admin/api/dead-letter/ai-processing-2').set(adminAuth())).status === 200,
      15_000,
    );

    // Search text, filter values and a token someone put in a query string: the URL is logged without them.
    expect(
      (
        await request(app.url!)
          .get('/api/v1/search')
          .query({ q: SEARCH_TEXT, token: URL_TOKEN, limit: '5' })
          .set('Authorization', `Bearer ${token}`)
      ).status,
    ).toBeLessThan(500);
    expect(
      (
        await request(app.url!)
          .get(`/api/v1/cases/${'x'.repeat(3_000)}`)
          .set('Authorization', `Bearer ${token}`)
      ).status,
    ).toBeLessThan(500);

    await app.close();
    raw = readFileSync(logFile, 'utf8');
    lines = raw
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON object per line', () => {
    expect(lines.length).toBeGreaterThan(20);
    for (const l of lines) expect(typeof l.level).toBe('number');
  });

  it('masks what it cannot avoid writing', () => {
    const search = lines.find((l) => (l.req as { url?: string })?.url?.startsWith('/admin/dead-letter?reason='));
    expect((search?.req as { url: string }).url).toBe('/admin/dead-letter?reason=[redacted]&status=all');
  });

  it('logs the path and the names of query parameters, not their values, and truncates long paths', () => {
    const search = lines.find((l) => (l.req as { url?: string })?.url?.startsWith('/api/v1/search'));
    expect((search?.req as { url: string }).url).toBe('/api/v1/search?q=[redacted]&token=[redacted]&limit=5');
    const long = lines.find((l) => (l.req as { url?: string })?.url?.startsWith('/api/v1/cases/xxx'));
    expect((long?.req as { url: string }).url).toBe(`/api/v1/cases/${'x'.repeat(256 - '/api/v1/cases/'.length)}…`);
  });

  it.each([
    ['the bearer token', () => token],
    ['the admin password', () => TEST_ADMIN.password],
    ['the wrong password tried', () => 'a-wrong-password-777'],
    ['the Basic credentials', () => Buffer.from(`${TEST_ADMIN.username}:${TEST_ADMIN.password}`).toString('base64')],
    ["the whistleblower's address", () => WHISTLEBLOWER],
    ["the recipient's address", () => RECIPIENT],
    ['the allegation text', () => ALLEGATION],
    ['the search text', () => SEARCH_TEXT],
    ['the token in a query string', () => URL_TOKEN],
  ])('never contains %s, plain or URL-encoded', (_name, secret) => {
    expect(raw).not.toContain(secret());
    expect(raw).not.toContain(encodeURIComponent(secret()));
  });

  it('carries the correlation id from the request to the job and to its follow-up job', () => {
    expect(followUpCorrelation).toBe('corr-logs-ok');
    const requestLine = lines.find((l) => l.correlationId === 'corr-logs-ok' && l.msg === 'request completed');
    expect(requestLine).toMatchObject({ organizationId: 'org-logs', req: { method: 'POST', url: '/api/v1/jobs/ai-processing' } });
    const inJob = lines.find((l) => l.context === 'ScriptedAi' && l.correlationId === 'corr-logs-ok');
    expect(inJob).toMatchObject({ queue: 'ai-processing', jobId: '1', organizationId: 'org-logs', jobName: 'generate-summary' });
  });

  it('logs success at debug, retried failures at warn and final failures at error, each with job context', () => {
    const ctx = (correlationId: string) => ({
      queue: 'ai-processing',
      correlationId,
      organizationId: 'org-logs',
      jobId: expect.any(String),
    });
    expect(lines.find((l) => l.correlationId === 'corr-logs-ok' && /completed$/.test(l.msg ?? '') && l.queue)).toMatchObject({
      level: 20,
      ...ctx('corr-logs-ok'),
    });
    expect(lines.find((l) => l.correlationId === 'corr-logs-retry' && /will retry/.test(l.msg ?? ''))).toMatchObject({
      level: 40,
      errorClass: 'Error',
      ...ctx('corr-logs-retry'),
    });
    expect(lines.find((l) => l.correlationId === 'corr-logs-dead' && /failed for good/.test(l.msg ?? ''))).toMatchObject({
      level: 50,
      errorClass: 'UnrecoverableError',
      ...ctx('corr-logs-dead'),
    });
  });

  it('logs admin requests with the admin name and the failed ones at warn', () => {
    expect(
      lines.find((l) => l.admin === TEST_ADMIN.username && (l.req as { url?: string })?.url?.startsWith('/admin/dead-letter/')),
    ).toBeDefined();
    expect(lines.find((l) => (l.res as { statusCode?: number })?.statusCode === 401)).toMatchObject({ level: 40 });
  });
});
