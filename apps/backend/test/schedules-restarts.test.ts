import type { Job, JobSchedulerJson, Queue } from 'bullmq';
import { Pool } from 'pg';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { nextRuns, parseSchedulerId, SchedulerSpec, schedulerSpec } from '../src/modules/schedules/schedule.types';
import { startTestApp, TestApp } from './harness/app';
import { uniquePrefix } from './harness/config';
import { isolatedDatabase, TestDatabase } from './harness/schedules';

const TENANTS = 60;
const ROUNDS = 10;
const DAY = 24 * 3_600_000;

/** The spec a stored scheduler stands for, to run its clock forward without BullMQ. */
function specOf(s: JobSchedulerJson): SchedulerSpec {
  const { type, organizationId } = parseSchedulerId(s.key)!;
  const repeat = s.every ? { every: s.every, offset: s.offset! } : { pattern: s.pattern!, tz: s.tz! };
  return { id: s.key, type, organizationId, repeat, priority: 0 };
}

describe('rolling restarts of 3 processes', () => {
  let db: TestDatabase;
  const apps: (TestApp | undefined)[] = [];
  const prefix = uniquePrefix();
  const start = () => startTestApp({ APP_ROLE: 'worker', WORKER_QUEUES: 'scheduled', QUEUE_PREFIX: prefix, DATABASE_URL: db.url });

  beforeAll(async () => {
    db = await isolatedDatabase();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a?.close() ?? Promise.resolve()));
    await db?.drop();
  });

  it(`keeps exactly one scheduler per tenant and type, and no tick missed or repeated, across ${ROUNDS} rounds`, async () => {
    apps[0] = await start();
    // The test's own connection: the processes' pools close with them.
    const database = new Pool({ connectionString: db.url });
    const tenants = Array.from({ length: TENANTS }, (_, i) => `org-roll-${i}`);
    await database.query('INSERT INTO tenants (id) SELECT unnest($1::text[])', [tenants]);
    // The first process started before the tenants existed: the others' starts reconcile them.
    apps[1] = await start();
    apps[2] = await start();
    const queue: Queue = apps[0].context.get(JobsService).queue('scheduled');
    const before = new Map((await queue.getJobSchedulers(0, -1)).map((s) => [s.key, s]));
    expect(before.size).toBe(TENANTS * 2);

    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < 3; i++) {
        // One process at a time goes down and comes back, while the other two keep running.
        const old = apps[i]!;
        apps[i] = undefined;
        await old.close();
        apps[i] = await start();
      }
      if (round === 4) {
        // A change in the middle: reconciles by the next starts must apply it, once.
        await database.query(
          `UPDATE tenant_schedules SET interval_minutes = 10 WHERE organization_id = 'org-roll-0' AND type = 'sla-check'`,
        );
      }
    }

    await database.end();
    const q: Queue = apps[0].context.get(JobsService).queue('scheduled');
    const after = await q.getJobSchedulers(0, -1);
    // Exactly one scheduler per (tenant, type).
    expect(after.map((s) => s.key).sort()).toEqual(tenants.flatMap((t) => [`daily-reminder@${t}`, `sla-check@${t}`]).sort());
    expect(after.find((s) => s.key === 'sla-check@org-roll-0')).toMatchObject({ every: 600_000 });

    // Every scheduler's jobs in Redis: one future tick each, and the ticks that ran during the
    // restarts are consecutive on its grid (none skipped, none twice).
    const jobs = await q.getJobs(['delayed', 'prioritized', 'waiting', 'active', 'completed', 'failed'], 0, -1);
    const ticksOf = new Map<string, Job[]>();
    for (const job of jobs) {
      const key = job.repeatJobKey ?? '';
      ticksOf.set(key, [...(ticksOf.get(key) ?? []), job]);
    }
    for (const s of after) {
      const ticks = ticksOf.get(s.key) ?? [];
      const millis = ticks.map((j) => Number(j.id!.split(':').pop())).sort((a, b) => a - b);
      expect(new Set(millis).size).toBe(millis.length);
      const pending = await Promise.all(ticks.map((j) => j.getState()));
      expect(pending.filter((st) => ['delayed', 'prioritized', 'waiting'].includes(st)).length).toBeLessThanOrEqual(1);
      expect(Math.max(...millis)).toBe(s.next);
      const spec = specOf(s);
      // Consecutive: each tick is the one the schedule gives after the previous.
      millis.slice(1).forEach((m, i) => expect(m).toBe(nextRuns(spec, new Date(millis[i]), 1)[0].getTime()));
      if (s.key !== 'sla-check@org-roll-0') {
        // Unchanged schedules kept their first next run (a restart re-upserting would have moved it only if it changed).
        expect(millis[0]).toBe(before.get(s.key)!.next);
      }
    }

    // 24 fake hours on from each stored next run, computed from the stored options: 288 SLA checks
    // (5 min), 144 for the tenant moved to 10 min, one reminder a day, each at its jittered time.
    for (const s of after) {
      const spec = specOf(s);
      const runs = nextRuns(spec, new Date(s.next! - 1), 400).filter((r) => r.getTime() < s.next! + DAY);
      const expected = s.key.startsWith('daily-reminder') ? 1 : s.key === 'sla-check@org-roll-0' ? 144 : 288;
      expect(runs).toHaveLength(expected);
      expect(runs[0].getTime()).toBe(s.next);
      expect(new Set(runs.map((r) => r.getTime())).size).toBe(runs.length);
      // The same spec the code derives from the rows, so a restart has nothing to change.
      if (s.key !== 'sla-check@org-roll-0') {
        const { type, organizationId } = parseSchedulerId(s.key)!;
        const derived = schedulerSpec({ organizationId, type, intervalMinutes: 5, hour: 9, timezone: 'UTC' }, 600_000);
        expect(spec.repeat).toEqual(derived.repeat);
      }
    }
  }, 600_000);
});
