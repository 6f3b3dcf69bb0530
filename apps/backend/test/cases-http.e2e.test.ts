import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import { idempotentJobId, JobsService } from '../src/modules/jobs/jobs.service';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

describe('cases API', () => {
  let app: TestApp;
  let jobs: JobsService;
  // Unique per run: the test database outlives a run.
  const orgA = `org-a-${Date.now()}`;
  const orgB = `org-b-${Date.now()}`;

  beforeAll(async () => {
    // api role: no workers, so enqueued jobs stay in Redis for inspection.
    app = await startTestApp({ APP_ROLE: 'api', CASE_URL_TEMPLATE: 'https://app.example.com/cases/{id}' });
    jobs = app.context.get(JobsService);
  });
  afterAll(() => app.close());

  const api = () => request(app.url!);
  const create = (org: string, body: object) => api().post('/api/v1/cases').set(bearer(org)).send(body);
  const jobOf = (queue: 'indexing' | 'email', org: string, key: string) =>
    eventually(async () => (await jobs.queue(queue).getJob(idempotentJobId(org, key))) ?? undefined, 5_000);

  it('creates a case (201) with defaults, a per-organization number and version 1, and enqueues its indexing', async () => {
    const res = await create(orgA, { title: 'Expense fraud in Lyon', description: 'Receipts were altered' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      number: 1,
      version: 1,
      title: 'Expense fraud in Lyon',
      description: 'Receipts were altered',
      category: null,
      priority: 'medium',
      status: 'open',
      assigneeEmail: null,
      dueAt: expect.any(String),
      dueAtSource: 'priority',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    // Medium priority: due 72 hours after creation.
    expect(Date.parse(res.body.dueAt) - Date.parse(res.body.createdAt)).toBe(72 * 3_600_000);
    expect((await create(orgB, { title: 'Other tenant' })).body.number).toBe(1);

    const job = await jobOf('indexing', orgA, `index:case:${res.body.id}:v1`);
    expect(job.name).toBe('create');
    // Stored sealed: only the tenant and the correlation id in clear.
    expect(Object.keys(job.data).sort()).toEqual(['correlationId', 'organizationId', 'sealed']);
    expect(await dataOf(app, job)).toEqual({
      organizationId: orgA,
      correlationId: expect.any(String),
      operation: 'create',
      entityType: 'case',
      entityId: res.body.id,
      data: { version: 1 },
    });
  });

  it.each([
    ['no title', {}, 'title'],
    ['an empty title', { title: '   ' }, 'title'],
    ['a bad priority', { title: 't', priority: 'urgent' }, 'priority'],
    ['an organizationId in the body', { title: 't', organizationId: 'org-x' }, 'organizationId'],
    ['a NUL character', { title: 't', description: 'a\u0000b' }, 'description'],
  ])('answers 400 with field errors for %s', async (_name, body, field) => {
    const res = await create(orgA, body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('updates only what changed, bumping the version, and emits status and assignment follow-ups', async () => {
    const { body: c } = await create(orgA, { title: 'Harassment report', category: 'hr' });
    const patched = await api()
      .patch(`/api/v1/cases/${c.id}`)
      .set(bearer(orgA))
      .send({ status: 'in_progress', assigneeEmail: 'jane.doe@example.com', title: 'Harassment report' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, status: 'in_progress', assigneeEmail: 'jane.doe@example.com' });

    const noop = await api().patch(`/api/v1/cases/${c.id}`).set(bearer(orgA)).send({ status: 'in_progress' });
    expect(noop.body.version).toBe(2);

    expect((await jobOf('indexing', orgA, `index:case:${c.id}:v2`)).name).toBe('update');
    const email = await jobOf('email', orgA, `case-assigned:${c.id}:v2`);
    expect(await dataOf(app, email)).toEqual({
      organizationId: orgA,
      correlationId: expect.any(String),
      templateId: 'case-assigned',
      to: 'jane.doe@example.com',
      context: {
        caseNumber: c.number,
        caseTitle: 'Harassment report',
        assigneeName: 'Jane Doe',
        caseUrl: `https://app.example.com/cases/${c.id}`,
      },
    });
    expect((await api().patch(`/api/v1/cases/${c.id}`).set(bearer(orgA)).send({})).status).toBe(400);
    expect((await api().patch(`/api/v1/cases/${c.id}`).set(bearer(orgA)).send({ status: 'done' })).status).toBe(400);
  });

  it('pages through the caller’s cases only', async () => {
    const org = `org-page-${Date.now()}`;
    for (const t of ['one', 'two', 'three']) await create(org, { title: t });
    const page = await api().get('/api/v1/cases?limit=2&offset=0').set(bearer(org));
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page.body.items.map((c: { title: string }) => c.title)).toEqual(['three', 'two']);
    const rest = await api().get('/api/v1/cases?limit=2&offset=2').set(bearer(org));
    expect(rest.body.items.map((c: { title: string }) => c.title)).toEqual(['one']);
    expect((await api().get('/api/v1/cases?limit=1000').set(bearer(org))).status).toBe(400);
  });

  it('hides another tenant’s case (404 on read, update and delete) and deletes with a follow-up job', async () => {
    const { body: c } = await create(orgA, { title: 'Confidential' });
    const other = bearer(orgB);
    expect((await api().get(`/api/v1/cases/${c.id}`).set(other)).status).toBe(404);
    expect((await api().patch(`/api/v1/cases/${c.id}`).set(other).send({ title: 'x' })).status).toBe(404);
    expect((await api().delete(`/api/v1/cases/${c.id}`).set(other)).status).toBe(404);
    expect((await api().get(`/api/v1/cases/not-a-uuid`).set(bearer(orgA))).status).toBe(404);
    expect((await api().get(`/api/v1/cases/${c.id}`).set(bearer(orgA))).body.title).toBe('Confidential');

    expect((await api().delete(`/api/v1/cases/${c.id}`).set(bearer(orgA))).status).toBe(204);
    expect((await api().get(`/api/v1/cases/${c.id}`).set(bearer(orgA))).status).toBe(404);
    const job = await jobOf('indexing', orgA, `index:case:${c.id}:v2`);
    expect(await dataOf(app, job)).toMatchObject({ operation: 'delete', entityId: c.id, data: { version: 2 } });
  });

  it('emits case events after each write, with the organization and the written version', async () => {
    const org = `org-events-${Date.now()}`;
    const seen: { name: string; organizationId: string; caseId: string; version: number }[] = [];
    const record = (e: { eventName: string; organizationId: string; caseId: string; version: number }) => {
      if (e.organizationId === org)
        seen.push({ name: e.eventName, organizationId: e.organizationId, caseId: e.caseId, version: e.version });
    };
    const emitter = app.context.get(EventEmitter2);
    emitter.on('case.*', record);
    try {
      const { body: c } = await create(org, { title: 'Events' });
      await api()
        .patch(`/api/v1/cases/${c.id}`)
        .set(bearer(org))
        .send({ status: 'resolved', assigneeEmail: 'sam@example.com' })
        .expect(200);
      await api().patch(`/api/v1/cases/${c.id}`).set(bearer(org)).send({ description: 'more detail' }).expect(200);
      await api().patch(`/api/v1/cases/${c.id}`).set(bearer(org)).send({ description: 'more detail' }).expect(200);
      await api().delete(`/api/v1/cases/${c.id}`).set(bearer(org)).expect(204);
      const ev = (name: string, version: number) => ({ name, organizationId: org, caseId: c.id, version });
      expect(seen).toEqual([
        ev('case.created', 1),
        ev('case.updated', 2),
        ev('case.status_changed', 2),
        ev('case.assigned', 2),
        ev('case.updated', 3),
        ev('case.deleted', 4),
      ]);
    } finally {
      emitter.off('case.*', record);
    }
  });

  it('derives the due time from the priority unless set explicitly, and validates it', async () => {
    const HOUR = 3_600_000;
    const c = (await create(orgA, { title: 'SLA', priority: 'critical', assigneeEmail: 'ana@example.com' })).body;
    expect(Date.parse(c.dueAt) - Date.parse(c.createdAt)).toBe(4 * HOUR);
    const patch = (body: object) => api().patch(`/api/v1/cases/${c.id}`).set(bearer(orgA)).send(body);
    // The derived due time follows the priority.
    expect(Date.parse((await patch({ priority: 'low' })).body.dueAt) - Date.parse(c.createdAt)).toBe(168 * HOUR);
    // An explicit one stays when the priority changes, until reset with null.
    const explicit = await patch({ dueAt: '2030-01-02T03:04:05+01:00' });
    expect(explicit.body).toMatchObject({ dueAt: '2030-01-02T02:04:05.000Z', dueAtSource: 'explicit' });
    expect((await patch({ priority: 'high' })).body).toMatchObject({ dueAt: '2030-01-02T02:04:05.000Z', dueAtSource: 'explicit' });
    const reset = await patch({ dueAt: null });
    expect(reset.body.dueAtSource).toBe('priority');
    expect(Date.parse(reset.body.dueAt) - Date.parse(c.createdAt)).toBe(24 * HOUR);
    for (const dueAt of ['tomorrow', '2030-01-02T03:04:05', '1999-12-31T00:00:00Z', 42]) {
      const res = await patch({ dueAt });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('dueAt');
    }
    const withDue = await create(orgA, { title: 'Given due', dueAt: '2031-05-06T07:08:09Z', assigneeEmail: 'not-an-email' });
    expect(withDue.status).toBe(400);
    expect(JSON.stringify(withDue.body)).toContain('assigneeEmail');
  });

  it('requires a token', async () => {
    expect((await api().get('/api/v1/cases')).status).toBe(401);
  });
});
