import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { schedulerSpec } from '../src/modules/schedules/schedule.types';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { ScheduleReconcilerService } from '../src/modules/schedules/schedule-reconciler.service';
import { startTestApp, TestApp } from './harness/app';
import { isolatedDatabase, TestDatabase } from './harness/schedules';

const TENANTS = 1000;
const LIMIT_MS = 5000;
/**
 * The 5 s limit is held only when asked (SCHEDULES_TIMING=1): on a shared, loaded machine the wall
 * time is mostly Redis waiting for CPU, and BullMQ's own upserts (measured beside ours) vary as much.
 */
const ENFORCE = process.env.SCHEDULES_TIMING === '1';

/** The figures docs/schedules.md quotes, printed on every run. */
describe(`reconcile of ${TENANTS} tenants x 2 schedules`, () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await isolatedDatabase();
    const pool = new Pool({ connectionString: db.url });
    await pool.query('INSERT INTO tenants (id) SELECT $1 || g FROM generate_series(1, $2) AS g', ['org-bench-', TENANTS]);
    await pool.end();
    // api role: no boot reconcile, so the test times the first pass itself.
    app = await startTestApp({ APP_ROLE: 'api', DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it(`reconciles from empty, unchanged and after every tenant changed${ENFORCE ? `, each in at most ${LIMIT_MS} ms` : ''}`, async () => {
    const reconciler = app.context.get(ScheduleReconcilerService);
    const queue = app.context.get(JobsService).queue('scheduled');
    const cpu = process.cpuUsage();
    const fresh = await reconciler.reconcileAll();
    const freshCpu = process.cpuUsage(cpu);
    expect(fresh).toMatchObject({ tenants: TENANTS, defaultsAdded: 2 * TENANTS, upserted: 2 * TENANTS, removed: 0 });
    expect(await queue.getJobSchedulersCount()).toBe(2 * TENANTS);
    const unchanged = await reconciler.reconcileAll();
    expect(unchanged).toMatchObject({ upserted: 0, removed: 0, unchanged: 2 * TENANTS });

    const pool = new Pool({ connectionString: db.url });
    await pool.query(`UPDATE tenant_schedules SET timezone = 'Europe/Paris' WHERE type = 'daily-reminder'`);
    await pool.query(`UPDATE tenant_schedules SET enabled = false WHERE type = 'sla-check'`);
    await pool.end();
    const changed = await reconciler.reconcileAll();
    expect(changed).toMatchObject({ upserted: TENANTS, removed: TENANTS });
    expect(await queue.getJobSchedulersCount()).toBe(TENANTS);

    const figures = { fresh: fresh.durationMs, unchanged: unchanged.durationMs, changed: changed.durationMs };
    // The same 2,000 upserts straight on BullMQ, same concurrency: what the reconcile costs beyond BullMQ's own work.
    const url = new URL(process.env.TEST_REDIS_URL!);
    const raw = new Queue(`raw-${Date.now()}`, {
      connection: { host: url.hostname, port: Number(url.port) },
      prefix: app.config.queue.prefix,
    });
    const specs = Array.from({ length: TENANTS }, (_, i) => `org-bench-${i + 1}`).flatMap((org) => [
      schedulerSpec({ organizationId: org, type: 'sla-check', intervalMinutes: 5, hour: null, timezone: 'UTC' }, 600_000),
      schedulerSpec({ organizationId: org, type: 'daily-reminder', intervalMinutes: null, hour: 9, timezone: 'UTC' }, 600_000),
    ]);
    const rawStarted = Date.now();
    for (let i = 0; i < specs.length; i += 500) {
      await Promise.all(
        specs
          .slice(i, i + 500)
          .map((s) => raw.upsertJobScheduler(s.id, s.repeat, { name: s.type, data: { organizationId: s.organizationId } })),
      );
    }
    const rawMs = Date.now() - rawStarted;
    await raw.obliterate({ force: true });
    await raw.close();
    // The wall time depends on what else the machine runs; the CPU time of this process says how much of it is ours.
    const cpuMs = Math.round((freshCpu.user + freshCpu.system) / 1000);
    process.stdout.write(
      `reconcile ${TENANTS} tenants x 2: ${JSON.stringify(figures)} ms wall; first pass ${cpuMs} ms CPU; the same upserts on BullMQ alone ${rawMs} ms\n`,
    );
    if (ENFORCE) for (const ms of Object.values(figures)) expect(ms).toBeLessThanOrEqual(LIMIT_MS);
  }, 60_000);
});
