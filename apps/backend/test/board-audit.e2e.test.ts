import { UnrecoverableError, Worker } from 'bullmq';
import { Client } from 'pg';
import request from 'supertest';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { startTestApp, TestApp } from './harness/app';
import { adminAuth, viewerAndOperator } from './harness/http';
import { redisClient } from './harness/redis';
import { eventually } from './harness/wait';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';

const VIEWER = { username: 'vic', password: 'viewer-password-43' };
const OPERATOR = { username: 'olga', password: 'operator-password-43' };
const viewer = () => adminAuth(VIEWER.username, VIEWER.password);
const operator = () => adminAuth(OPERATOR.username, OPERATOR.password);

describe('Bull Board in the audit trail', () => {
  let app: TestApp;
  let pg: Client;
  let jobId: string;
  const org = `org-board-${Date.now()}`;

  beforeAll(async () => {
    const users = await viewerAndOperator(VIEWER, OPERATOR);
    app = await startTestApp({ APP_ROLE: 'api', ADMIN_USERS: users });
    pg = new Client({ connectionString: app.config.database.url });
    await pg.connect();
    // A failed job to act on: this app has no workers, so a bare one fails it.
    const queue = app.context.get(JobsService).queue('email');
    const job = await queue.add(
      'send-email',
      { organizationId: org, templateId: 'case-assigned', to: 'b@example.com', context: {} },
      { attempts: 1 },
    );
    jobId = job.id!;
    const connection = redisClient();
    const worker = new Worker(
      'email',
      async () => {
        throw new UnrecoverableError('boom');
      },
      { connection, prefix: queuePrefix(app.config.queue.prefix, 'email') },
    );
    await eventually(async () => (await queue.getJobState(jobId)) === 'failed', 10_000);
    await worker.close();
    await connection.quit();
  });
  afterAll(async () => {
    await app.close();
    await pg.end();
  });

  const rows = async (entryId: string) =>
    (
      await pg.query(
        `SELECT actor, actor_role, action, outcome, source_queue, job_name, organization_id, before_hash IS NOT NULL AS hashed, detail
           FROM dead_letter_audit WHERE entry_id = $1 AND source_queue = 'email' AND actor = ANY($2) ORDER BY id`,
        // Other suites share the database and act on email jobs with the same ids: only this suite's admins.
        [entryId, [VIEWER.username, OPERATOR.username]],
      )
    ).rows;

  it("records an operator's retry, and refuses and records a viewer's", async () => {
    const refused = await request(app.url!).put(`/admin/queues/api/queues/email/${jobId}/retry`).set(viewer());
    expect(refused.status).toBe(403);
    const retried = await request(app.url!).put(`/admin/queues/api/queues/email/${jobId}/retry`).set(operator());
    expect(retried.status).toBeLessThan(300);
    expect(await app.context.get(JobsService).queue('email').getJobState(jobId)).not.toBe('failed');
    // The row of a write that went through is written once its answer is sent: it may land just after.
    await eventually(async () => (await rows(jobId)).length === 2, 5_000, 50);
    expect(await rows(jobId)).toEqual([
      {
        actor: 'vic',
        actor_role: 'viewer',
        action: 'board-retry',
        outcome: 'refused',
        source_queue: 'email',
        job_name: 'send-email',
        organization_id: org,
        hashed: true,
        detail: `PUT /admin/queues/api/queues/email/${jobId}/retry`,
      },
      expect.objectContaining({ actor: 'olga', actor_role: 'operator', action: 'board-retry', outcome: 'done', organization_id: org }),
    ]);
  });

  it('refuses, and records, an edit that moves a job to another organization', async () => {
    const queue = app.context.get(JobsService).queue('email');
    const job = await queue.add('send-email', { organizationId: org, templateId: 'case-assigned', to: 'c@example.com', context: {} });
    const moved = await request(app.url!)
      .patch(`/admin/queues/api/queues/email/${job.id}/update-data`)
      .set(operator())
      .send({ jobData: { ...job.data, organizationId: 'org-other' } });
    expect(moved.status).toBe(400);
    expect(moved.body.errors).toEqual([{ field: 'organizationId', message: expect.stringContaining('another organization') }]);
    expect((await queue.getJob(job.id!))!.data.organizationId).toBe(org);
    const fixed = await request(app.url!)
      .patch(`/admin/queues/api/queues/email/${job.id}/update-data`)
      .set(operator())
      .send({ jobData: { ...job.data, to: 'd@example.com' } });
    expect(fixed.status).toBe(200);
    expect((await queue.getJob(job.id!))!.data.to).toBe('d@example.com');
    // The row of a write that went through is written once its answer is sent: it may land just after.
    await eventually(async () => (await rows(job.id!)).length === 2, 5_000, 50);
    expect((await rows(job.id!)).map((r) => [r.action, r.outcome])).toEqual([
      ['board-update-data', 'refused'],
      ['board-update-data', 'done'],
    ]);
  });

  it('records no row for a write the board refused', async () => {
    const res = await request(app.url!).put(`/admin/queues/api/queues/email/no-such-job/promote`).set(operator());
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await rows('no-such-job')).toEqual([]);
  });

  it("records an operator's payload read once per window, not a viewer's", async () => {
    for (let i = 0; i < 2; i++)
      expect((await request(app.url!).get(`/admin/queues/api/queues/email/${jobId}`).set(operator())).status).toBe(200);
    expect((await request(app.url!).get(`/admin/queues/api/queues/email/${jobId}`).set(viewer())).status).toBe(200);
    const reads = (await rows(jobId)).filter((r) => r.action === 'board-read');
    expect(reads).toEqual([expect.objectContaining({ actor: 'olga', outcome: 'done', organization_id: org })]);
  });

  it('shows viewers every queue read-only (no action buttons), operators the work queues writable', async () => {
    const asViewer = await request(app.url!).get('/admin/queues/api/queues').set(viewer());
    expect(asViewer.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    const asOperator = await request(app.url!).get('/admin/queues/api/queues').set(operator());
    expect(asOperator.body.queues.find((q: { name: string }) => q.name === 'email').readOnlyMode).toBe(false);
  });
});
