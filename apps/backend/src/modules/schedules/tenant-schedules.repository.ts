import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DatabaseService } from '../database/database.service';
import { ScheduleDefaults, ScheduleType, TenantSchedule } from './schedule.types';

interface ScheduleRow {
  organization_id: string;
  type: ScheduleType;
  interval_minutes: number | null;
  hour: number | null;
  timezone: string;
  enabled: boolean;
  updated_at: Date;
  updated_by: string | null;
  last_run_at: Date | null;
  last_status: 'completed' | 'failed' | null;
  last_result: unknown;
}

const COLUMNS =
  'organization_id, type, interval_minutes, hour, timezone, enabled, updated_at, updated_by, last_run_at, last_status, last_result';

const toSchedule = (r: ScheduleRow): TenantSchedule => ({
  organizationId: r.organization_id,
  type: r.type,
  intervalMinutes: r.interval_minutes,
  hour: r.hour,
  timezone: r.timezone,
  enabled: r.enabled,
  updatedAt: r.updated_at.toISOString(),
  updatedBy: r.updated_by,
  lastRunAt: r.last_run_at?.toISOString() ?? null,
  lastStatus: r.last_status,
  lastResult: r.last_result,
});

export interface ScheduleChange {
  intervalMinutes?: number;
  hour?: number;
  timezone?: string;
  enabled?: boolean;
}

type Queryable = Pick<PoolClient, 'query'>;

/** tenant_schedules and tenants: the source of truth the job schedulers are reconciled from. */
@Injectable()
export class TenantSchedulesRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Gives every tenant (or the one named) a row per type with the defaults, leaving existing rows
   * alone; returns how many were added. Defaults apply at creation: a later change of the
   * configured defaults does not move the schedules a tenant already has.
   */
  async ensureDefaults(client: Queryable, defaults: ScheduleDefaults, organizationId?: string): Promise<number> {
    const result = await client.query(
      `INSERT INTO tenant_schedules (organization_id, type, interval_minutes, hour, timezone)
       SELECT t.id, d.type, d.interval_minutes, d.hour, $3
       FROM tenants t
       CROSS JOIN (VALUES ('sla-check', $1::int, NULL::int), ('daily-reminder', NULL::int, $2::int)) AS d (type, interval_minutes, hour)
       WHERE $4::text IS NULL OR t.id = $4
       ON CONFLICT (organization_id, type) DO NOTHING`,
      [defaults.slaIntervalMinutes, defaults.reminderHour, defaults.timezone, organizationId ?? null],
    );
    return result.rowCount ?? 0;
  }

  async list(client: Queryable, organizationId?: string): Promise<TenantSchedule[]> {
    const result = await client.query<ScheduleRow>(
      `SELECT ${COLUMNS} FROM tenant_schedules WHERE $1::text IS NULL OR organization_id = $1 ORDER BY organization_id, type`,
      [organizationId ?? null],
    );
    return result.rows.map(toSchedule);
  }

  listAll(organizationId?: string): Promise<TenantSchedule[]> {
    return this.list(this.db.pool, organizationId);
  }

  async get(organizationId: string, type: ScheduleType): Promise<TenantSchedule | null> {
    const rows = await this.db.query<ScheduleRow>(`SELECT ${COLUMNS} FROM tenant_schedules WHERE organization_id = $1 AND type = $2`, [
      organizationId,
      type,
    ]);
    return rows[0] ? toSchedule(rows[0]) : null;
  }

  async registerTenant(client: Queryable, organizationId: string): Promise<void> {
    await client.query(`INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING`, [organizationId]);
  }

  async update(client: Queryable, organizationId: string, type: ScheduleType, change: ScheduleChange, by: string): Promise<void> {
    await client.query(
      `UPDATE tenant_schedules SET
         interval_minutes = COALESCE($3, interval_minutes), hour = COALESCE($4, hour),
         timezone = COALESCE($5, timezone), enabled = COALESCE($6, enabled), updated_at = now(), updated_by = $7
       WHERE organization_id = $1 AND type = $2`,
      [organizationId, type, change.intervalMinutes ?? null, change.hour ?? null, change.timezone ?? null, change.enabled ?? null, by],
    );
  }

  /** What the console and the API show as the last run: written by the job itself, success or failure. */
  async recordRun(organizationId: string, type: ScheduleType, at: Date, status: 'completed' | 'failed', result: unknown): Promise<void> {
    await this.db.query(
      `UPDATE tenant_schedules SET last_run_at = $3, last_status = $4, last_result = $5 WHERE organization_id = $1 AND type = $2`,
      [organizationId, type, at, status, JSON.stringify(result)],
    );
  }
}
