import { Module } from '@nestjs/common';
import { SchedulesModule } from './schedules.module';
import { TenantSchedulesScheduler } from './tenant-schedules.scheduler';

/** What a process consuming the scheduled queue adds: the full reconcile at start. */
@Module({
  imports: [SchedulesModule],
  providers: [TenantSchedulesScheduler],
  exports: [SchedulesModule],
})
export class SchedulesConsumerModule {}
