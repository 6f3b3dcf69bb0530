import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ScheduleReconcilerService } from './schedule-reconciler.service';

/**
 * Reconciles every tenant's schedulers when a process that consumes the scheduled queue starts.
 * Provided only there (SchedulesConsumerModule). A failure stops the start: a worker that cannot
 * tell which schedules exist must not run them.
 */
@Injectable()
export class TenantSchedulesScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(private readonly reconciler: ScheduleReconcilerService) {}

  async onApplicationBootstrap(): Promise<void> {
    const report = await this.reconciler.reconcileAll();
    this.logger.log(`${report.tenants} tenant(s): schedules reconciled in ${report.durationMs} ms`);
  }
}
