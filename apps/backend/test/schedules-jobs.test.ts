import type { Job, Queue } from 'bullmq';
import { CasesService } from '../src/modules/cases/cases.service';
import { DatabaseService } from '../src/modules/database/database.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { DailyReminderService } from '../src/modules/schedules/daily-reminder.service';
import { SlaCheckService } from '../src/modules/schedules/sla-check.service';
import { resultOf, startTestApp, TestApp } from './harness/app';
import { settled } from './harness/email';
import { isolatedDatabase, TestDatabase } from './harness/schedules';
import { startSmtpServer, TestSmtpServer } from './harness/smtp';
import { eventually } from './harness/wait';

const MIN = 60_000;

describe('sla-check and daily-reminder, counted at a real SMTP server', () => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let app: TestApp;
  let scheduled: Queue;
  let email: Queue;

  beforeAll(async () => {
    db = await isolatedDatabase();
    smtp = await startSmtpServer();
    // Workers for both queues: the checks really run and their emails really go out.
    app = await startTestApp(
      smtp.env({ DATABASE_URL: db.url, WORKER_QUEUES: 'scheduled,email', CASE_URL_TEMPLATE: 'https://app.example.com/cases/{id}' }),
    );
    scheduled = app.context.get(JobsService).queue('scheduled');
    email = app.context.get(JobsService).queue('email');
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await db?.drop();
  });

  const cases = () => app.context.get(CasesService);
  const create = (
    org: string,
    fields: { title: string; assigneeEmail?: string | null; dueAt?: string | null; priority?: 'low' | 'critical' },
  ) =>
    cases().create(
      { organizationId: org },
      { description: '', category: null, priority: 'medium', assigneeEmail: null, dueAt: null, ...fields },
    );
  const inMinutes = (m: number) => new Date(Date.now() + m * MIN).toISOString();
  /** Emails settle: the email queue is idle, nothing is waiting. */
  const emailsSettled = () => eventually(() => idle(email), 15_000, 100);
  /** Case creation sends case-assigned emails too: count only the ones under test. */
  const sla = () => smtp.received.filter((m) => m.parsed.subject?.startsWith('SLA warning'));
  const reminders = () => smtp.received.filter((m) => m.parsed.subject?.startsWith('Your cases due soon'));
  const idle = async (q: Queue) => Object.values(await q.getJobCounts('active', 'waiting', 'prioritized', 'delayed')).every((n) => n === 0);
  const runJob = async (name: 'sla-check' | 'daily-reminder', org: string): Promise<Job> =>
    settled(scheduled, (await scheduled.add(name, { organizationId: org })).id!);

  it('warns once per case and threshold, across overlapping runs, repeated runs and a crash between enqueue and marking', async () => {
    const org = `org-sla-${Date.now()}`;
    const breached = await create(org, { title: 'Overdue', assigneeEmail: 'ana@example.com', dueAt: inMinutes(-10) });
    const soon = await create(org, { title: 'Due soon', assigneeEmail: 'ben@example.com', dueAt: inMinutes(30) });
    await create(org, { title: 'Nobody assigned', dueAt: inMinutes(-10) });
    await create(org, { title: 'Far away', assigneeEmail: 'ana@example.com', dueAt: inMinutes(3 * 24 * 60) });
    const resolved = await create(org, { title: 'Done', assigneeEmail: 'ana@example.com', dueAt: inMinutes(-10) });
    await cases().update({ organizationId: org }, resolved.id, { status: 'resolved' });

    // Three runs at once, then two more: one warning per case.
    const runs = await Promise.all([1, 2, 3].map(() => runJob('sla-check', org)));
    expect(runs.map((j) => j.finishedOn && j.failedReason).filter(Boolean)).toEqual([]);
    await runJob('sla-check', org);
    await runJob('sla-check', org);
    await emailsSettled();
    await eventually(async () => sla().length >= 2, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const first = [...sla()].sort((x, y) => x.envelope.to[0].localeCompare(y.envelope.to[0]));
    expect(first.map((m) => m.envelope.to)).toEqual([['ana@example.com'], ['ben@example.com']]);
    expect(first[0].parsed.subject).toContain(`case ${breached.number} resolution (overdue) due`);
    expect(first[1].parsed.subject).toContain(`case ${soon.number} resolution due`);

    // A crash after enqueueing but before marking: the row is pending again, the next run re-enqueues under the same key.
    const database = app.context.get(DatabaseService);
    await database.query('UPDATE sla_notifications SET enqueued_at = NULL WHERE organization_id = $1', [org]);
    const again = await runJob('sla-check', org);
    expect(await resultOf(app, again)).toEqual({ recorded: 0, enqueued: 2 });
    await emailsSettled();

    // 31 fake minutes later the due-soon case is breached: one more warning, once.
    // Run in the test (with a job that is not queued again, so no worker overlaps these two calls).
    const job = again;
    const later = new Date(Date.now() + 31 * MIN);
    const service = app.context.get(SlaCheckService);
    expect(await service.run(org, job, later)).toEqual({ recorded: 1, enqueued: 1 });
    expect(await service.run(org, job, later)).toEqual({ recorded: 0, enqueued: 0 });
    await emailsSettled();
    await eventually(async () => sla().length >= 3, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(sla()).toHaveLength(3);
    expect(sla()[2].envelope.to).toEqual(['ben@example.com']);
    expect(sla()[2].parsed.subject).toContain(`case ${soon.number} resolution (overdue)`);
    const rows = await database.query<{ threshold: string; n: number }>(
      'SELECT threshold, count(*)::int AS n FROM sla_notifications WHERE organization_id = $1 GROUP BY threshold ORDER BY threshold',
      [org],
    );
    expect(rows).toEqual([
      { threshold: 'breached', n: 2 },
      { threshold: 'due-soon', n: 1 },
    ]);
  }, 60_000);

  it('daily reminder: one email per assignee listing their cases due soon, none for an empty list, once a day', async () => {
    const before = reminders().length;
    const org = `org-rem-${Date.now()}`;
    await create(org, { title: 'Ana first', assigneeEmail: 'ana.lopez@example.com', dueAt: inMinutes(120) });
    await create(org, { title: 'Ana overdue', assigneeEmail: 'ana.lopez@example.com', dueAt: inMinutes(-120) });
    await create(org, { title: 'Ben next week', assigneeEmail: 'ben@example.com', priority: 'low' });
    await create(org, { title: 'Cleo today', assigneeEmail: 'cleo@example.com', dueAt: inMinutes(600) });

    const first = await runJob('daily-reminder', org);
    expect(await resultOf(app, first)).toMatchObject({ emails: 2, cases: 3 });
    const second = await runJob('daily-reminder', org);
    expect(await resultOf(app, second)).toMatchObject({ emails: 2, cases: 3 });
    await emailsSettled();
    await eventually(async () => reminders().length >= before + 2, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const mails = reminders().slice(before);
    expect(mails.map((m) => m.envelope.to[0]).sort()).toEqual(['ana.lopez@example.com', 'cleo@example.com']);
    const ana = mails.find((m) => m.envelope.to[0] === 'ana.lopez@example.com')!;
    expect(ana.parsed.text).toContain('Good morning Ana Lopez');
    // Soonest first: the overdue case, then the one due in two hours.
    expect(ana.parsed.text!.indexOf('Ana overdue')).toBeLessThan(ana.parsed.text!.indexOf('Ana first'));
    expect(ana.parsed.text).not.toContain('Ben next week');

    // The next morning (fake clock) is a new day: a new reminder, with what is due by then.
    const job = second;
    const tomorrow = await app.context.get(DailyReminderService).run(org, job, new Date(Date.now() + 24 * 60 * MIN));
    expect(tomorrow.emails).toBe(2);
    const empty = await app.context.get(DailyReminderService).run(`org-empty-${Date.now()}`, job);
    expect(empty).toMatchObject({ emails: 0, cases: 0 });
    await emailsSettled();
    await eventually(async () => reminders().length >= before + 4, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(reminders().length).toBe(before + 4);
  }, 60_000);
});
