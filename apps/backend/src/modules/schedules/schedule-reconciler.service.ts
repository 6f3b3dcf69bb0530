import { Injectable, Logger } from '@nestjs/common';
import type { JobSchedulerJson, Queue } from 'bullmq';
import type { PoolClient } from 'pg';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { DatabaseService } from '../database/database.service';
import { JobsService } from '../jobs/jobs.service';
import { SCHEDULED_QUEUE_NAME } from '../jobs/queues';
import type { JobData } from '../jobs/types';
import {
  parseSchedulerId,
  SchedulerSpec,
  schedulerIdFor,
  schedulerSpec,
  SCHEDULE_TYPES,
  ScheduleType,
  TenantSchedule,
} from './schedule.types';
import { TenantSchedulesRepository } from './tenant-schedules.repository';

/** Any constant shared by every process; pg advisory locks are per database. */
const RECONCILE_LOCK_KEY = 7_364_016;
/** Upserts in flight at once: enough to hide the round trips, few enough not to crowd Redis. */
const BATCH = 500;

export interface ReconcileReport {
  tenants: number;
  defaultsAdded: number;
  upserted: number;
  removed: number;
  unchanged: number;
  durationMs: number;
}

const sameRepeat = (have: JobSchedulerJson, want: SchedulerSpec): boolean =>
  have.name === want.type &&
  have.template?.opts?.priority === want.priority &&
  ('every' in want.repeat
    ? have.every === want.repeat.every && have.offset === want.repeat.offset && !have.pattern
    : have.pattern === want.repeat.pattern && have.tz === want.repeat.tz && !have.every);

/**
 * Makes the scheduled queue's job schedulers what tenant_schedules says: one per tenant and type for
 * every enabled schedule, none for a disabled one or a deleted tenant. One process at a time (a
 * PostgreSQL advisory lock held for the whole pass, which reads the rows after taking it, so the
 * last pass always applies the latest rows). Unchanged schedulers are left alone: re-upserting them
 * would replace their next job, and a restart must neither skip nor repeat a tick.
 */
@Injectable()
export class ScheduleReconcilerService {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly db: DatabaseService,
    private readonly repository: TenantSchedulesRepository,
    private readonly jobs: JobsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Every tenant: at start, and after anything that may have changed many rows. */
  reconcileAll(): Promise<ReconcileReport> {
    return this.locked(async (client) => {
      const defaultsAdded = await this.repository.ensureDefaults(client, this.config.schedules.defaults);
      const rows = await this.repository.list(client);
      const existing = await this.queue.getJobSchedulers(0, -1);
      return { defaultsAdded, ...(await this.apply(rows, existing)) };
    });
  }

  /** One tenant: after its admin changed its schedules, or when it was registered. */
  reconcileTenant(organizationId: string): Promise<ReconcileReport> {
    return this.locked(async (client) => {
      await this.repository.registerTenant(client, organizationId);
      const defaultsAdded = await this.repository.ensureDefaults(client, this.config.schedules.defaults, organizationId);
      const rows = await this.repository.list(client, organizationId);
      const existing = (
        await Promise.all(
          SCHEDULE_TYPES.map(async (type) => {
            const id = schedulerIdFor(type, organizationId);
            const found = await this.queue.getJobScheduler(id);
            // A tenant id with a colon makes BullMQ answer a missing scheduler with a legacy stub (no name, no repeat).
            return found?.name && (found.every || found.pattern) ? { ...found, key: id } : undefined;
          }),
        )
      ).filter((s): s is JobSchedulerJson => s !== undefined);
      return { defaultsAdded, ...(await this.apply(rows, existing)) };
    });
  }

  private get queue(): Queue {
    return this.jobs.queue(SCHEDULED_QUEUE_NAME);
  }

  private async locked(fn: (client: PoolClient) => Promise<Omit<ReconcileReport, 'durationMs'>>): Promise<ReconcileReport> {
    const started = Date.now();
    const report = await this.db.transaction(async (client) => {
      // Waits for another process's pass rather than skipping: that pass may have read older rows.
      await client.query(`SET LOCAL lock_timeout = '30s'`);
      await client.query('SELECT pg_advisory_xact_lock($1)', [RECONCILE_LOCK_KEY]);
      return fn(client);
    });
    const done = { ...report, durationMs: Date.now() - started };
    if (done.upserted || done.removed || done.defaultsAdded) {
      this.logger.log(
        `schedules reconciled in ${done.durationMs} ms: ${done.upserted} upserted, ${done.removed} removed, ${done.unchanged} unchanged, ${done.defaultsAdded} default row(s) added`,
      );
    }
    return done;
  }

  /** `existing` holds the schedulers in scope (the queue's, or one tenant's): those not wanted are disabled or of deleted tenants. */
  private async apply(rows: TenantSchedule[], existing: JobSchedulerJson[]) {
    const byId = new Map(existing.map((s) => [s.key, s]));
    const wanted = new Map<string, SchedulerSpec>();
    for (const row of rows)
      if (row.enabled) wanted.set(schedulerIdFor(row.type, row.organizationId), schedulerSpec(row, this.config.schedules.jitterMs));
    const toUpsert = [...wanted.values()].filter((spec) => {
      const have = byId.get(spec.id);
      return !have || !sameRepeat(have, spec);
    });
    // Only our ids: the queue's other schedulers, if any, are not ours to remove.
    const toRemove = existing.map((s) => s.key).filter((id) => parseSchedulerId(id) !== null && !wanted.has(id));
    for (let i = 0; i < toUpsert.length; i += BATCH) {
      await Promise.all(toUpsert.slice(i, i + BATCH).map((spec) => this.upsert(spec)));
    }
    for (let i = 0; i < toRemove.length; i += BATCH) {
      await Promise.all(toRemove.slice(i, i + BATCH).map((id) => this.queue.removeJobScheduler(id)));
    }
    return {
      tenants: new Set(rows.map((r) => r.organizationId)).size,
      upserted: toUpsert.length,
      removed: toRemove.length,
      unchanged: wanted.size - toUpsert.length,
    };
  }

  private upsert(spec: SchedulerSpec) {
    const data: JobData<typeof SCHEDULED_QUEUE_NAME, ScheduleType> = { organizationId: spec.organizationId };
    return this.queue.upsertJobScheduler(spec.id, spec.repeat, { name: spec.type, data, opts: { priority: spec.priority } });
  }
}
