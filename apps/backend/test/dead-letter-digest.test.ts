import type { Queue } from 'bullmq';
import { DEAD_LETTER_DIGEST_JOB, DEAD_LETTER_DIGEST_SCHEDULER_ID } from '../src/modules/email/dead-letter-digest.scheduler';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { resultOf, startTestApp, TestApp } from './harness/app';
import { uniquePrefix } from './harness/config';
import { caseAssigned, deadLetterOf, deadLetters, emailQueue, settled, startEmailWorker } from './harness/email';
import { startSmtpServer, TestSmtpServer } from './harness/smtp';
import { eventually } from './harness/wait';

const OPS = 'ops@ethico.example';
const SECRET = 'whistleblower says the CFO';

/** Files dead letters the way production does: one email job failing for real, two indexing jobs recorded by hand. */
async function seedDeadLetters(app: TestApp): Promise<void> {
  const email = await emailQueue(app).add('send-email', caseAssigned({}, { caseTitle: undefined }));
  await deadLetterOf(app, email.id!);
  const indexing = app.context.get(JobsService).queue('indexing');
  for (const id of ['r-1', 'r-2']) {
    const job = await indexing.add('update', { organizationId: 'org-a', entityType: 'report', entityId: id, data: { body: SECRET } });
    await deadLetters(app).record('indexing', job, 'search backend unreachable: connect ECONNREFUSED');
  }
}

const runDigest = (queue: Queue) => queue.add(DEAD_LETTER_DIGEST_JOB, { organizationId: 'system' });

describe('dead-letter digest for ops', () => {
  let smtp: TestSmtpServer;
  let apps: TestApp[] = [];

  beforeEach(async () => {
    smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
    await smtp.close();
  });

  async function worker(env: Record<string, string | undefined> = {}) {
    const app = await startEmailWorker(smtp.env({ OPS_ALERT_EMAIL: OPS, PUBLIC_URL: 'https://jobs.ethico.example', ...env }));
    apps.push(app);
    return app;
  }

  it('with entries: sends one message listing counts per queue, the oldest age and reasons, without payloads', async () => {
    const app = await worker();
    await seedDeadLetters(app);
    const job = await runDigest(emailQueue(app));
    const done = await settled(emailQueue(app), job.id!);
    expect(await resultOf(app, done)).toMatchObject({ sent: true, pending: 3, accepted: [OPS] });

    expect(smtp.received).toHaveLength(1);
    const { parsed, raw } = smtp.received[0];
    expect(parsed.to).toMatchObject({ value: [{ address: OPS }] });
    expect(parsed.subject).toBe('Dead-letter queue: 3 job(s) waiting for an operator');
    expect(parsed.text).toMatch(/^indexing: 2$/m);
    expect(parsed.text).toMatch(/^email: 1$/m);
    expect(parsed.text).toMatch(/Oldest entry: failed \d+ min ago/);
    expect(parsed.text).toContain('2 x search backend unreachable: connect ECONNREFUSED');
    expect(parsed.text).toContain('1 x invalid email job "send-email": context.caseTitle: is required');
    expect(parsed.text).toContain('https://jobs.ethico.example/admin/queues');
    expect(parsed.html).toContain('<a href="https://jobs.ethico.example/admin/queues">');
    // Never payloads: neither report content nor the failed email's recipient.
    expect(raw.toString()).not.toContain(SECRET);
    expect(raw.toString()).not.toContain('investigator@example.com');
  });

  it('with an empty dead-letter queue sends nothing', async () => {
    const app = await worker();
    const done = await settled(emailQueue(app), (await runDigest(emailQueue(app))).id!);
    expect(await resultOf(app, done)).toEqual({ sent: false, pending: 0, reason: 'the dead-letter queue is empty' });
    expect(smtp.received).toHaveLength(0);
  });

  it('without OPS_ALERT_EMAIL sends nothing and removes the schedule', async () => {
    const prefix = uniquePrefix();
    const before = await worker({ QUEUE_PREFIX: prefix });
    expect(await emailQueue(before).getJobScheduler(DEAD_LETTER_DIGEST_SCHEDULER_ID)).toBeDefined();
    await before.close();
    apps = [];
    const app = await worker({ QUEUE_PREFIX: prefix, OPS_ALERT_EMAIL: undefined });
    const queue = emailQueue(app);
    expect(await queue.getJobScheduler(DEAD_LETTER_DIGEST_SCHEDULER_ID)).toBeUndefined();
    expect((await queue.getDelayed()).filter((j) => j.name === DEAD_LETTER_DIGEST_JOB)).toHaveLength(0);

    await seedDeadLetters(app);
    const done = await settled(queue, (await runDigest(queue)).id!);
    expect(await resultOf(app, done)).toMatchObject({ sent: false, pending: 3, reason: 'OPS_ALERT_EMAIL is not set' });
    expect(smtp.received).toHaveLength(0);
  });

  it('two scheduler-bearing processes produce one digest per tick', async () => {
    const prefix = uniquePrefix();
    const env = { QUEUE_PREFIX: prefix, DLQ_DIGEST_CRON: '*/2 * * * * *' };
    const first = await worker(env);
    await seedDeadLetters(first);
    await worker(env);
    const queue = emailQueue(first);
    const started = Date.now();
    // Three ticks after both processes are up.
    await eventually(async () => smtp.received.length >= 3, 9_000, 100);
    const elapsed = Date.now() - started;
    // Stop the ticks and let a running digest finish before counting.
    await queue.removeJobScheduler(DEAD_LETTER_DIGEST_SCHEDULER_ID);
    await eventually(async () => (await queue.getActiveCount()) === 0, 5_000);

    const digests = (await queue.getJobs(['completed'])).filter((j) => j.name === DEAD_LETTER_DIGEST_JOB);
    const results = (await Promise.all(digests.map((j) => resultOf(first, j)))) as { sent: boolean }[];
    const sent = results.filter((r) => r.sent);
    expect(smtp.received.length).toBe(sent.length);
    // One job per tick: every tick time appears once, and ticks are the cron's 2 s apart.
    const ticks = digests.map((j) => Number(String(j.id).split(':').pop())).sort((a, b) => a - b);
    expect(new Set(ticks).size).toBe(ticks.length);
    ticks.slice(1).forEach((t, i) => expect(t - ticks[i]).toBeGreaterThanOrEqual(2000));
    expect(smtp.received.length).toBeLessThanOrEqual(Math.floor(elapsed / 2000) + 2);
    const ids = smtp.received.map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  }, 20_000);
});

describe('dead-letter digest schedule follows configuration and process role', () => {
  it('is created, updated and removed with the email consumers’ configuration, and only by them', async () => {
    const prefix = uniquePrefix();
    const run = async (env: Record<string, string | undefined>) => {
      const app = await startTestApp({ QUEUE_PREFIX: prefix, OPS_ALERT_EMAIL: 'ops@ethico.example', ...env });
      const scheduler = await emailQueue(app).getJobScheduler(DEAD_LETTER_DIGEST_SCHEDULER_ID);
      await app.close();
      return scheduler;
    };
    expect(await run({ APP_ROLE: 'api' })).toBeUndefined();
    expect(await run({ APP_ROLE: 'worker', WORKER_QUEUES: 'indexing' })).toBeUndefined();
    expect(await run({ APP_ROLE: 'worker', WORKER_QUEUES: 'email' })).toMatchObject({
      pattern: '0 8 * * *',
      tz: 'UTC',
      name: DEAD_LETTER_DIGEST_JOB,
    });
    expect(await run({ APP_ROLE: 'worker', DLQ_DIGEST_CRON: '30 6 * * 1-5', DLQ_DIGEST_TZ: 'Europe/Berlin' })).toMatchObject({
      pattern: '30 6 * * 1-5',
      tz: 'Europe/Berlin',
    });
    expect(await run({ APP_ROLE: 'worker', OPS_ALERT_EMAIL: undefined })).toBeUndefined();
  });
});
