import type { Queue } from 'bullmq';
import request from 'supertest';
import { DatabaseService } from '../src/modules/database/database.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { ScheduleReconcilerService } from '../src/modules/schedules/schedule-reconciler.service';
import { nextRuns, schedulerSpec } from '../src/modules/schedules/schedule.types';
import { localTime } from '../src/modules/schedules/zoned-time';
import { freePort } from '../src/dev/embedded/processes';
import { startTestApp, TestApp } from './harness/app';
import { adminAuth, bearer } from './harness/http';
import { isolatedDatabase, tenantAdmin, TestDatabase } from './harness/schedules';
import { eventually } from './harness/wait';

describe('tenant schedules API, reconciled into BullMQ job schedulers', () => {
  let db: TestDatabase;
  let app: TestApp;
  let queue: Queue;
  const org = `org-api-${Date.now()}`;

  beforeAll(async () => {
    db = await isolatedDatabase();
    // api role: the schedulers are upserted by the API process on every change; nothing runs them.
    app = await startTestApp({ APP_ROLE: 'api', DATABASE_URL: db.url, SCHEDULE_JITTER_SECONDS: '0' });
    queue = app.context.get(JobsService).queue('scheduled');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const api = () => request(app.url!);

  it('gives a tenant its defaults on its first case: SLA every 5 minutes, reminder at 09:00 UTC', async () => {
    const created = await api().post('/api/v1/cases').set(bearer(org)).send({ title: 'First case', assigneeEmail: 'ana@example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ assigneeEmail: 'ana@example.com', dueAtSource: 'priority' });
    expect(Date.parse(created.body.dueAt) - Date.parse(created.body.createdAt)).toBe(72 * 3_600_000);
    await eventually(async () => (await queue.getJobScheduler(`daily-reminder@${org}`)) !== undefined, 5_000);
    expect(await queue.getJobScheduler(`sla-check@${org}`)).toMatchObject({ every: 300_000, name: 'sla-check' });
    expect(await queue.getJobScheduler(`daily-reminder@${org}`)).toMatchObject({
      pattern: '0 0 9 * * *',
      tz: 'UTC',
      name: 'daily-reminder',
    });

    const res = await api().get('/api/v1/schedules').set(bearer(org));
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({ type: 'daily-reminder', enabled: true, time: '09:00', timezone: 'UTC', nextRunAt: expect.any(String) }),
      expect.objectContaining({ type: 'sla-check', enabled: true, intervalMinutes: 5, timezone: 'UTC', nextRunAt: expect.any(String) }),
    ]);
  });

  it('lets only tenant admins change them', async () => {
    const res = await api()
      .put('/api/v1/schedules')
      .set(bearer(org))
      .send({ slaCheck: { intervalMinutes: 10 } });
    expect(res.status).toBe(403);
  });

  it.each([
    [{ slaCheck: { intervalMinutes: 4 } }, 'slaCheck.intervalMinutes'],
    [{ slaCheck: { intervalMinutes: 61 } }, 'slaCheck.intervalMinutes'],
    [{ dailyReminder: { time: '21:00' } }, 'dailyReminder.time'],
    [{ dailyReminder: { time: '09:15' } }, 'dailyReminder.time'],
    [{ dailyReminder: { timezone: 'Europe/Atlantis' } }, 'dailyReminder.timezone'],
    [{ dailyReminder: { cron: '0 9 * * *' } }, 'dailyReminder.cron'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const res = await api().put('/api/v1/schedules').set(tenantAdmin(org)).send(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(field);
  });

  it('applies a change at once: 09:00 Europe/Paris, SLA every 15 minutes; the scheduler gives 09:00 local across the DST change', async () => {
    const res = await api()
      .put('/api/v1/schedules')
      .set(tenantAdmin(org))
      .send({ slaCheck: { intervalMinutes: 15 }, dailyReminder: { time: '09:00', timezone: 'Europe/Paris' } });
    expect(res.status).toBe(200);
    const reminder = await queue.getJobScheduler(`daily-reminder@${org}`);
    expect(reminder).toMatchObject({ pattern: '0 0 9 * * *', tz: 'Europe/Paris' });
    expect(await queue.getJobScheduler(`sla-check@${org}`)).toMatchObject({ every: 900_000 });
    // The next run BullMQ stored is the one the pure function computes, at 09:00 in Paris.
    expect(localTime(new Date(reminder!.next!), 'Europe/Paris')).toBe('09:00:00');
    // What Redis holds, run through the clock of both 2026 change days.
    const spec = {
      ...schedulerSpec({ organizationId: org, type: 'daily-reminder', intervalMinutes: null, hour: 9, timezone: 'Europe/Paris' }, 0),
    };
    expect(spec.repeat).toEqual({ pattern: reminder!.pattern, tz: reminder!.tz });
    for (const day of ['2026-03-28T12:00:00Z', '2026-10-24T12:00:00Z']) {
      expect(nextRuns(spec, new Date(day), 2).map((r) => localTime(r, 'Europe/Paris'))).toEqual(['09:00:00', '09:00:00']);
    }
  });

  it('removes the scheduler of a disabled schedule and of a deleted tenant', async () => {
    const res = await api()
      .put('/api/v1/schedules')
      .set(tenantAdmin(org))
      .send({ dailyReminder: { enabled: false } });
    expect(res.status).toBe(200);
    expect(await queue.getJobScheduler(`daily-reminder@${org}`)).toBeUndefined();
    expect(res.body.items.find((s: { type: string }) => s.type === 'daily-reminder')).toMatchObject({ enabled: false, nextRunAt: null });

    await app.context.get(DatabaseService).query('DELETE FROM tenants WHERE id = $1', [org]);
    const report = await app.context.get(ScheduleReconcilerService).reconcileAll();
    expect(report.removed).toBe(1);
    expect(await queue.getJobScheduler(`sla-check@${org}`)).toBeUndefined();
  });

  it('shows every tenant in the admin console', async () => {
    const other = `org-console-${Date.now()}`;
    await api().get('/api/v1/schedules').set(bearer(other));
    const res = await api().get('/admin/schedules').set(adminAuth());
    expect(res.status).toBe(200);
    expect(res.text).toContain(other);
    expect(res.text).toContain('every 5 min');
    expect(res.text).toContain('daily at 09:00');
  });
});

describe('a scheduled-queue worker starting while PostgreSQL is away', () => {
  it('starts, and keeps retrying the reconcile in the background until it is stopped', async () => {
    const app = await startTestApp({
      APP_ROLE: 'worker',
      WORKER_QUEUES: 'scheduled',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`,
    });
    expect(await app.context.get(JobsService).queue('scheduled').getJobSchedulersCount()).toBe(0);
    await app.close();
  });
});
