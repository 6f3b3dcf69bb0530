import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { DailyReminderService } from './daily-reminder.service';
import { ScheduleReconcilerService } from './schedule-reconciler.service';
import { ScheduledJobsService } from './scheduled-jobs.service';
import { SchedulesService } from './schedules.service';
import { SlaCheckService } from './sla-check.service';
import { TenantRegisteredListener } from './tenant-registered.listener';
import { TenantSchedulesRepository } from './tenant-schedules.repository';

/** Tenants' recurring jobs: the schedules, their reconcile into BullMQ, and the work each tick does. */
@Module({
  imports: [JobsModule],
  providers: [
    TenantSchedulesRepository,
    ScheduleReconcilerService,
    SchedulesService,
    SlaCheckService,
    DailyReminderService,
    ScheduledJobsService,
    TenantRegisteredListener,
  ],
  exports: [SchedulesService, ScheduleReconcilerService, ScheduledJobsService, TenantSchedulesRepository],
})
export class SchedulesModule {}
