import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DailyReminderService } from './daily-reminder.service';
import type { ScheduleType } from './schedule.types';
import { SlaCheckService } from './sla-check.service';
import { TenantSchedulesRepository } from './tenant-schedules.repository';

/** Runs one tick of a tenant's schedule and records its outcome for the console (last run, last result). */
@Injectable()
export class ScheduledJobsService {
  constructor(
    private readonly slaCheck: SlaCheckService,
    private readonly reminder: DailyReminderService,
    private readonly schedules: TenantSchedulesRepository,
  ) {}

  async run(type: ScheduleType, organizationId: string, job: Job, now = new Date()): Promise<unknown> {
    try {
      const result =
        type === 'sla-check' ? await this.slaCheck.run(organizationId, job, now) : await this.reminder.run(organizationId, job, now);
      await this.schedules.recordRun(organizationId, type, now, 'completed', result);
      return result;
    } catch (err) {
      // Recording is best effort here: the job's own failure is what must reach BullMQ.
      await this.schedules.recordRun(organizationId, type, now, 'failed', { error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }
}
