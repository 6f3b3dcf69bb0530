import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StartupTask } from '../jobs/runtime/startup-task';
import { ScheduleReconcilerService } from './schedule-reconciler.service';

/**
 * Reconciles every tenant's schedulers when a process that consumes the scheduled queue starts.
 * Provided only there (SchedulesConsumerModule). When PostgreSQL or Redis is away at start, the
 * process still starts (its other queues can work, and the schedulers already in Redis keep
 * ticking) and the pass is retried in the background until it succeeds.
 */
@Injectable()
export class TenantSchedulesScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Schedules');
  private readonly task = new StartupTask(
    'reconcile the tenant schedules',
    async () => {
      const report = await this.reconciler.reconcileAll();
      this.logger.log(`${report.tenants} tenant(s): schedules reconciled in ${report.durationMs} ms`);
    },
    this.logger,
  );

  constructor(private readonly reconciler: ScheduleReconcilerService) {}

  /** Reconciled before the process is ready; with Redis away the start goes on, and it completes once Redis answers. */
  onApplicationBootstrap(): Promise<void> {
    return this.task.start();
  }

  onApplicationShutdown(): void {
    this.task.stop();
  }
}
