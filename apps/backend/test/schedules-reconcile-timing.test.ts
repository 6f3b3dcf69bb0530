import { Pool } from 'pg';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { ScheduleReconcilerService } from '../src/modules/schedules/schedule-reconciler.service';
import { startTestApp, TestApp } from './harness/app';
import { isolatedDatabase, TestDatabase } from './harness/schedules';

const TENANTS = 1000;
/**
 * The reconcile at scale: every scheduler made, none touched when nothing changed, exactly the
 * changed ones upserted and the disabled ones removed. Its speed is measured by the `schedules`
 * benchmark (docs/BENCHMARKS.md); this prints the wall times as a hint.
 */
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

  it('reconciles from empty, unchanged and after every tenant changed', async () => {
    const reconciler = app.context.get(ScheduleReconcilerService);
    const queue = app.context.get(JobsService).queue('scheduled');
    const fresh = await reconciler.reconcileAll();
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
    process.stdout.write(`reconcile ${TENANTS} tenants x 2: ${JSON.stringify(figures)} ms wall (the speed is the schedules benchmark's)\n`);
  }, 60_000);
});
