import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { JobsService } from '../jobs/jobs.service';
import { SCHEDULED_QUEUE_NAME } from '../jobs/queues';
import { ScheduleReconcilerService } from './schedule-reconciler.service';
import { hourLabel, schedulerIdFor, ScheduleView, TenantSchedule, UpdateSchedulesInput } from './schedule.types';
import { ScheduleChange, TenantSchedulesRepository } from './tenant-schedules.repository';

/** A tenant's schedules as its admins see and change them; every change is reconciled at once. */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repository: TenantSchedulesRepository,
    private readonly reconciler: ScheduleReconcilerService,
    private readonly jobs: JobsService,
  ) {}

  async view(organizationId: string): Promise<ScheduleView[]> {
    let rows = await this.repository.listAll(organizationId);
    if (rows.length === 0) {
      // A tenant without cases yet: it gets its defaults (and their schedulers) on first sight.
      await this.reconciler.reconcileTenant(organizationId);
      rows = await this.repository.listAll(organizationId);
    }
    return this.withNextRuns(rows);
  }

  async update(organizationId: string, input: UpdateSchedulesInput, by: string): Promise<ScheduleView[]> {
    await this.reconciler.reconcileTenant(organizationId); // the rows exist before they are changed
    const changes: [TenantSchedule['type'], ScheduleChange | undefined][] = [
      ['sla-check', input.slaCheck],
      [
        'daily-reminder',
        input.dailyReminder && {
          hour: input.dailyReminder.time,
          timezone: input.dailyReminder.timezone,
          enabled: input.dailyReminder.enabled,
        },
      ],
    ];
    await this.db.transaction(async (client) => {
      for (const [type, change] of changes) if (change) await this.repository.update(client, organizationId, type, change, by);
    });
    await this.reconciler.reconcileTenant(organizationId);
    return this.view(organizationId);
  }

  /** Every tenant's schedules with their next runs, for the admin console. */
  async all(): Promise<(ScheduleView & { organizationId: string })[]> {
    const rows = await this.repository.listAll();
    const views = await this.withNextRuns(rows);
    return views.map((v, i) => ({ ...v, organizationId: rows[i].organizationId }));
  }

  private async withNextRuns(rows: TenantSchedule[]): Promise<ScheduleView[]> {
    const queue = this.jobs.queue(SCHEDULED_QUEUE_NAME);
    const schedulers = new Map((await queue.getJobSchedulers(0, -1)).map((s) => [s.key, s]));
    return rows.map((r) => {
      const next = schedulers.get(schedulerIdFor(r.type, r.organizationId))?.next;
      return {
        type: r.type,
        enabled: r.enabled,
        ...(r.type === 'sla-check' ? { intervalMinutes: r.intervalMinutes! } : { time: hourLabel(r.hour!) }),
        timezone: r.timezone,
        nextRunAt: r.enabled && next ? new Date(next).toISOString() : null,
        lastRunAt: r.lastRunAt,
        lastStatus: r.lastStatus,
        lastResult: r.lastResult,
        updatedAt: r.updatedAt,
      };
    });
  }
}
