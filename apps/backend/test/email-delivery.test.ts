import type { Job } from 'bullmq';
import { JobsService } from '../src/modules/jobs/jobs.service';
import type { AttemptRecord } from '../src/modules/jobs/dead-letter/dead-letter.types';
import { messageIdFor } from '../src/modules/email/message-id';
import { resultOf, type TestApp } from './harness/app';
import { caseAssigned, deadLetterOf, emailQueue, settled, startEmailWorker } from './harness/email';
import { SmtpBehaviour, startSilentServer, startSmtpServer, TestSmtpServer } from './harness/smtp';
import { eventually } from './harness/wait';

const FROM = 'Ethico Alerts <alerts@ethico.example>';
/** Fast retries for these tests; the registered policy (3 attempts, 1 s exponential) is exercised in email-dead-letter.test.ts. */
const FAST = { backoff: { type: 'exponential', delay: 100 } } as const;

describe('email delivery over SMTP', () => {
  let smtp: TestSmtpServer | undefined;
  let app: TestApp | undefined;

  async function start(behaviour: SmtpBehaviour = {}, env: Record<string, string> = {}) {
    smtp = await startSmtpServer(behaviour);
    app = await startEmailWorker(smtp.env({ EMAIL_FROM: FROM, ...env }));
    return { smtp, app, queue: emailQueue(app) };
  }

  afterEach(async () => {
    await app?.close();
    await smtp?.close();
    app = smtp = undefined;
  });

  it('delivers the rendered template with From, To, Subject, a job-derived Message-ID, HTML and text parts, escaped', async () => {
    const { smtp, app, queue } = await start();
    const hostile = 'Gifts <script>alert("x")</script> & "favours"';
    const enqueued = await app.context
      .get(JobsService)
      .enqueue('email', 'send-email', caseAssigned({}, { caseTitle: hostile, assigneeName: "Dana O'Brien" }));
    const job = await settled(queue, enqueued.id);
    expect(await job.getState()).toBe('completed');

    expect(smtp.received).toHaveLength(1);
    const { parsed, envelope } = smtp.received[0];
    const expectedId = messageIdFor({
      queuePrefix: app.config.queue.prefix,
      jobId: enqueued.id,
      organizationId: 'org-a',
      domain: 'ethico.example',
    });
    expect(parsed.messageId).toBe(expectedId);
    expect(parsed.from?.value).toEqual([{ name: 'Ethico Alerts', address: 'alerts@ethico.example' }]);
    expect(envelope).toEqual({ from: 'alerts@ethico.example', to: ['investigator@example.com'] });
    expect(parsed.subject).toBe('Case C-2026-0042 was assigned to you');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    // HTML: context values are escaped, so a case title cannot inject markup.
    expect(parsed.html).toContain('Gifts &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;favours&quot;');
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).toContain('<a href="https://app.example.com/cases/42">');
    expect(parsed.html).toContain('Dana O&#x27;Brien');
    // Text: the reader sees the title as typed.
    expect(parsed.text).toContain(`Case C-2026-0042 "${hostile}" was assigned to you.`);
    expect(parsed.text).toContain("Hello Dana O'Brien,");

    expect(await resultOf(app, job)).toMatchObject({
      templateId: 'case-assigned',
      messageId: expectedId,
      accepted: ['investigator@example.com'],
      rejected: [],
      response: expect.stringMatching(/^250 /),
      transport: 'smtp',
    });
  });

  it('sends through one pooled connection per process, closed on shutdown', async () => {
    const { smtp, app: worker, queue } = await start();
    for (const caseNumber of ['C-1', 'C-2', 'C-3']) {
      const job = await queue.add('send-email', caseAssigned({}, { caseNumber }));
      expect(await (await settled(queue, job.id!)).getState()).toBe('completed');
    }
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['C-1', 'C-2', 'C-3'].map((n) => `Case ${n} was assigned to you`));
    expect(smtp.connectionsAccepted).toBe(1);
    expect(smtp.openConnections).toBe(1);
    app = undefined; // closed here, not in afterEach
    await worker.close();
    await eventually(async () => smtp.openConnections === 0, 2_000);
  });

  it('550 for the only recipient: one attempt, then the dead-letter queue with the server reply', async () => {
    const { smtp, app, queue } = await start({ rcpt: () => ({ code: 550, message: '5.1.1 No such user here' }) });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    const failed = await settled(queue, job.id!);
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    const entry = await deadLetterOf(app, job.id!);
    expect(entry.failedReason).toContain('550 5.1.1 No such user here');
    expect(entry.failedReason).toMatch(/rejected permanently/);
    expect(entry.attemptsMade).toBe(1);
    expect(smtp.received).toHaveLength(0);
  });

  it('authentication rejected: permanent, one attempt, reply in the reason', async () => {
    const { app, queue } = await start({ auth: { user: 'mailer', password: 'right' } }, { SMTP_USER: 'mailer', SMTP_PASSWORD: 'wrong' });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    const entry = await deadLetterOf(app, job.id!);
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toContain('535');
    expect(entry.failedReason).toContain('EAUTH');
  });

  it('451 then success: delivered on the second attempt with the same Message-ID', async () => {
    const { smtp, queue } = await start({ data: (n) => (n === 1 ? { code: 451, message: '4.3.0 Try again later' } : undefined) });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    const done = await settled(queue, job.id!);
    expect(await done.getState()).toBe('completed');
    expect(smtp.dataAttempts).toBe(2);
    expect(smtp.received).toHaveLength(1);
    const { logs } = await queue.getJobLogs(job.id!);
    const attempts = logs.map((l) => JSON.parse(l) as AttemptRecord);
    expect(attempts).toHaveLength(1);
    expect(attempts[0].error).toContain('451 4.3.0 Try again later');
    // The rejected first attempt and the delivered second one carry the same Message-ID.
    const messageId = ((await resultOf(app!, done)) as { messageId: string }).messageId;
    expect(smtp.attemptedMessageIds).toEqual([messageId, messageId]);
    expect(smtp.received[0].parsed.messageId).toBe(messageId);
  });

  it('mixed recipients: delivers to the accepted, records the rejected, completes', async () => {
    const { smtp, queue } = await start({
      rcpt: (address) => (address === 'gone@example.com' ? { code: 550, message: '5.1.1 Mailbox unavailable' } : undefined),
    });
    const job = await queue.add('send-email', caseAssigned({ to: ['investigator@example.com', 'gone@example.com'] }), FAST);
    const done = await settled(queue, job.id!);
    expect(await done.getState()).toBe('completed');
    expect(done.attemptsMade).toBeLessThanOrEqual(1);
    expect(await resultOf(app!, done)).toMatchObject({
      accepted: ['investigator@example.com'],
      rejected: [{ address: 'gone@example.com', response: expect.stringContaining('550 5.1.1 Mailbox unavailable') }],
    });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].envelope.to).toEqual(['investigator@example.com']);
  });

  it('a payload that slipped past enqueue validation fails once, into the dead-letter queue, naming the field', async () => {
    const { app, queue } = await start();
    const missing = await queue.add('send-email', caseAssigned({}, { caseTitle: undefined }), FAST);
    const unknown = await queue.add('send-email', caseAssigned({ templateId: 'no-such-template' }), FAST);
    expect((await deadLetterOf(app, missing.id!)).failedReason).toContain('context.caseTitle');
    const entry = await deadLetterOf(app, unknown.id!);
    expect(entry.failedReason).toContain('templateId');
    expect(entry.attemptsMade).toBe(1);
  });
});

describe('a server that accepts the connection and never answers', () => {
  it('fails the attempt within the configured greeting timeout', async () => {
    const silent = await startSilentServer();
    const app = await startEmailWorker({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(silent.port),
      SMTP_GREETING_TIMEOUT_MS: '500',
      SMTP_CONNECTION_TIMEOUT_MS: '500',
      SMTP_SOCKET_TIMEOUT_MS: '1000',
    });
    try {
      const queue = emailQueue(app);
      const job = await queue.add('send-email', caseAssigned(), { attempts: 1 });
      const failed: Job = await settled(queue, job.id!, ['failed'], 5_000);
      const took = failed.finishedOn! - failed.processedOn!;
      expect(silent.connections).toBeGreaterThanOrEqual(1);
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(3_000); // the configured 500 ms plus scheduling slack; the default would be 10 s
      expect(failed.failedReason).toMatch(/ETIMEDOUT.*Greeting never received/);
    } finally {
      await app.close();
      await silent.close();
    }
  });
});
