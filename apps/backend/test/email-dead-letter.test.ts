import request from 'supertest';
import { freePort } from '../src/dev/embedded/processes';
import { deadLetterEntryId } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { EMAIL_QUEUE } from '../src/modules/jobs/queues/email.queue';
import { resultOf, startTestApp, TestApp } from './harness/app';
import { caseAssigned, deadLetterOf, emailQueue, settled } from './harness/email';
import { adminAuth, bearer } from './harness/http';
import { startSmtpServer, TestSmtpServer } from './harness/smtp';

/** This file runs the queue's registered retry policy as configured: 3 attempts, exponential from 1 s. */
describe('SMTP server down, then back: retries, dead letter, replay', () => {
  let app: TestApp;
  let smtp: TestSmtpServer | undefined;
  let port: number;

  beforeAll(async () => {
    port = await freePort(); // nothing listens here until the server "comes back"
    app = await startTestApp({ APP_ROLE: 'all', WORKER_QUEUES: 'email', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) });
  });
  afterAll(async () => {
    await app.close();
    await smtp?.close();
  });

  it('the email queue registers the issue’s policy', () => {
    expect(EMAIL_QUEUE.defaultJobOptions).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
    expect(emailQueue(app).defaultJobOptions).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
  });

  it('is attempted 3 times with growing gaps, filed with the connection error, and replay delivers it once', async () => {
    const { organizationId: _org, ...body } = caseAssigned();
    const res = await request(app.url!).post('/api/v1/jobs/email').set(bearer('org-a')).send(body);
    expect(res.status).toBe(202);
    const jobId: string = res.body.id;
    const queue = emailQueue(app);
    expect((await queue.getJob(jobId))!.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 1000 } });

    const entry = await deadLetterOf(app, jobId, 15_000);
    expect(entry.attemptsMade).toBe(3);
    expect(entry.failedReason).toMatch(/ECONNREFUSED/);
    expect(entry.failedReason).toMatch(/will retry/); // transient: it was retried, not failed at once
    expect(entry.attempts).toHaveLength(3);
    const [a1, a2, a3] = entry.attempts.map((a) => ({ start: Date.parse(a.startedAt!), fail: Date.parse(a.failedAt) }));
    const gap1 = a2.start - a1.fail;
    const gap2 = a3.start - a2.fail;
    expect(gap1).toBeGreaterThanOrEqual(900);
    expect(gap2).toBeGreaterThanOrEqual(1900);
    expect(gap2).toBeGreaterThan(gap1 + 500);

    smtp = await startSmtpServer({}, port);
    const replay = await request(app.url!)
      .post(`/admin/api/dead-letter/${deadLetterEntryId('email', jobId)}/replay`)
      .set(adminAuth());
    expect(replay.status).toBe(200);
    const replayed = await settled(queue, replay.body.jobId);
    expect(await replayed.getState()).toBe('completed');
    // A second replay of the same entry adds nothing.
    const again = await request(app.url!)
      .post(`/admin/api/dead-letter/${deadLetterEntryId('email', jobId)}/replay`)
      .set(adminAuth());
    expect(again.body).toMatchObject({ alreadyReplayed: true, jobId: replay.body.jobId });
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].parsed.subject).toBe('Case C-2026-0042 was assigned to you');
    // The replay re-sends the original job's Message-ID, so a receiver that got an earlier copy can de-duplicate.
    expect(((await resultOf(app, replayed)) as { messageId: string }).messageId).toBe(smtp.received[0].parsed.messageId);
  }, 30_000);
});
