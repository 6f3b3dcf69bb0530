import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { withTimeout } from '../jobs/jobs.errors';
import { ScheduleReconcilerService } from './schedule-reconciler.service';

const RETRY_MS = [1_000, 5_000, 15_000, 30_000];
/** How long the start waits for the first pass: a queue call waits for Redis however long it is away. */
const BOOT_WAIT_MS = 5_000;

/**
 * Reconciles every tenant's schedulers when a process that consumes the scheduled queue starts.
 * Provided only there (SchedulesConsumerModule). When PostgreSQL or Redis is away at start, the
 * process still starts (its other queues can work, and the schedulers already in Redis keep
 * ticking) and the pass is retried in the background until it succeeds.
 */
@Injectable()
export class TenantSchedulesScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Schedules');
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly reconciler: ScheduleReconcilerService) {}

  /** Reconciled before the process is ready; with Redis away the start goes on, and it completes once Redis answers. */
  async onApplicationBootstrap(): Promise<void> {
    await withTimeout(this.attempt(0), BOOT_WAIT_MS, () => new Error(`not done within ${BOOT_WAIT_MS} ms`)).catch((err: Error) =>
      this.logger.warn(`tenant schedules: reconcile ${err.message} (Redis away?): starting; it completes once Redis answers`),
    );
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async attempt(n: number): Promise<void> {
    if (this.stopped) return;
    try {
      const report = await this.reconciler.reconcileAll();
      this.logger.log(`${report.tenants} tenant(s): schedules reconciled in ${report.durationMs} ms`);
    } catch (err) {
      const delay = RETRY_MS[Math.min(n, RETRY_MS.length - 1)];
      this.logger.error(`could not reconcile the tenant schedules (retrying in ${delay} ms): ${(err as Error).message}`);
      this.retry = setTimeout(() => void this.attempt(n + 1), delay);
      this.retry.unref();
    }
  }
}
