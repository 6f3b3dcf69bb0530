import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { loadConfiguration } from '../backend/src/config/configuration';
import { startApp } from '../backend/src/roles/app.factory';
import { JobsService } from '../backend/src/modules/jobs/jobs.service';
import { ScheduleReconcilerService } from '../backend/src/modules/schedules/schedule-reconciler.service';
import { schedulerSpec } from '../backend/src/modules/schedules/schedule.types';
import { Benchmark, verdict } from './lib/bench';
import { appEnv } from './lib/env';
import { fmtSummary, summarize } from './lib/stats';

const TENANTS = 1000;
const TARGET_MS = 5000;
const PASSES = ['fresh', 'unchanged', 'changed', 'raw'] as const;
type Pass = (typeof PASSES)[number];

export interface SchedulesResult {
  tenants: number;
  /** Per round, wall ms: from empty, again unchanged, after every tenant changed; BullMQ's own upserts of the same 2,000 schedulers. */
  rounds: Record<Pass, number>[];
}

/**
 * The reconcile of tenant_schedules into BullMQ job schedulers (ScheduleReconcilerService.reconcileAll,
 * in this process, on the private servers): 1,000 tenants with both default schedules, from an
 * empty queue, again with nothing changed, and after every tenant's reminder moved to another zone
 * and every SLA check was disabled (1,000 upserts and 1,000 removals). `raw` is the same 2,000
 * upserts straight on a BullMQ queue with its default repeat strategy, as a yardstick.
 */
export const schedulesBench: Benchmark<SchedulesResult> = {
  name: 'schedules',
  title: '9. Schedule reconcile (1,000 tenants × 2)',
  async run(ctx) {
    const prefix = `b-sched-${Date.now().toString(36)}`;
    const config = loadConfiguration(appEnv(ctx.servers, { APP_ROLE: 'api', LOG_LEVEL: 'warn', QUEUE_PREFIX: prefix }));
    const app = await startApp(config);
    const pool = new Pool({ connectionString: ctx.servers.databaseUrl });
    const rounds: SchedulesResult['rounds'] = [];
    try {
      const reconciler = app.context.get(ScheduleReconcilerService);
      const queue = app.context.get(JobsService).queue('scheduled');
      const orgs = Array.from({ length: TENANTS }, (_, i) => `org-bsched-${i + 1}`);
      const timed = async (f: () => Promise<unknown>) => {
        const started = performance.now();
        await f();
        return Math.round(performance.now() - started);
      };
      for (let r = 0; r <= ctx.rounds; r++) {
        await queue.obliterate({ force: true });
        await pool.query(`DELETE FROM tenant_schedules WHERE organization_id LIKE 'org-bsched-%'`);
        await pool.query(`INSERT INTO tenants (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [orgs]);
        const fresh = await timed(() => reconciler.reconcileAll());
        if ((await queue.getJobSchedulersCount()) !== 2 * TENANTS) throw new Error('the reconcile did not make 2,000 schedulers');
        const unchanged = await timed(() => reconciler.reconcileAll());
        await pool.query(
          `UPDATE tenant_schedules SET timezone = $1 WHERE type = 'daily-reminder' AND organization_id LIKE 'org-bsched-%'`,
          [r % 2 ? 'Europe/Paris' : 'America/New_York'],
        );
        await pool.query(`UPDATE tenant_schedules SET enabled = false WHERE type = 'sla-check' AND organization_id LIKE 'org-bsched-%'`);
        const changed = await timed(() => reconciler.reconcileAll());
        if ((await queue.getJobSchedulersCount()) !== TENANTS) throw new Error('the changed reconcile did not leave 1,000 schedulers');
        const raw = new Queue(`raw-sched-${r}`, { connection: { ...ctx.servers.redis, maxRetriesPerRequest: null }, prefix });
        const specs = orgs.flatMap((org) => [
          schedulerSpec(
            { organizationId: org, type: 'sla-check', intervalMinutes: 5, hour: null, timezone: 'UTC' },
            config.schedules.jitterMs,
          ),
          schedulerSpec(
            { organizationId: org, type: 'daily-reminder', intervalMinutes: null, hour: 9, timezone: 'Europe/Paris' },
            config.schedules.jitterMs,
          ),
        ]);
        const rawMs = await timed(async () => {
          for (let i = 0; i < specs.length; i += 500)
            await Promise.all(
              specs
                .slice(i, i + 500)
                .map((s) => raw.upsertJobScheduler(s.id, s.repeat, { name: s.type, data: { organizationId: s.organizationId } })),
            );
        });
        await raw.obliterate({ force: true });
        await raw.close();
        // Round 0 warms up (JIT, connections, the zone formatters).
        if (r === 0) continue;
        rounds.push({ fresh, unchanged, changed, raw: rawMs });
        ctx.log(`  round ${r}: fresh ${fresh} ms, unchanged ${unchanged} ms, changed ${changed} ms; BullMQ's own upserts ${rawMs} ms`);
      }
      return { tenants: TENANTS, rounds };
    } finally {
      await pool.query(`DELETE FROM tenant_schedules WHERE organization_id LIKE 'org-bsched-%'`).catch(() => undefined);
      await pool.query(`DELETE FROM tenants WHERE id LIKE 'org-bsched-%'`).catch(() => undefined);
      await pool.end();
      await app.close();
    }
  },
  headline(result) {
    const worst = summarize(result.rounds.map((r) => Math.max(r.fresh, r.changed)));
    return [
      {
        figure: `Schedule reconcile, ${result.tenants.toLocaleString('en-US')} tenants × 2, slowest of fresh and changed, ms`,
        value: fmtSummary(worst),
        target: `≤ ${TARGET_MS}`,
        verdict: verdict(worst.median <= TARGET_MS),
      },
    ];
  },
  render(result) {
    const col = (p: Pass) => fmtSummary(summarize(result.rounds.map((r) => r[p])));
    return [
      `\`ScheduleReconcilerService.reconcileAll\` in the benchmark's process (API role) on the private servers, ${result.tenants.toLocaleString('en-US')} tenants with both default schedules (an SLA check every 5 minutes, a reminder at 09:00 in the tenant's zone, each with its jitter).`,
      '',
      '| pass | wall ms |',
      '|---|---:|',
      `| from empty: 2,000 upserts | ${col('fresh')} |`,
      `| again, nothing changed | ${col('unchanged')} |`,
      `| every tenant changed: 1,000 upserts (reminders to another zone), 1,000 removals (SLA checks disabled) | ${col('changed')} |`,
      `| yardstick: the same 2,000 upserts straight on BullMQ (default repeat strategy) | ${col('raw')} |`,
      '',
      `Target: ≤ ${TARGET_MS} ms (issue #16). Our queues and workers compute a daily pattern's next run with \`fastRepeatStrategy\` (\`modules/jobs/queues/repeat-strategy.ts\`: the zone's offset read with Intl, the same answer as BullMQ's cron-parser, which costs about 0.5 ms per call in a zone), so the reconcile is faster than BullMQ's own upserts.`,
    ].join('\n');
  },
};
