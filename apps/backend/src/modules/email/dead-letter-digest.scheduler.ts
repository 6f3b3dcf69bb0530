import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { withTimeout } from '../jobs/jobs.errors';
import { JobsService } from '../jobs/jobs.service';
import { EMAIL_QUEUE_NAME } from '../jobs/queues/email.queue';
import { JobData, SYSTEM_ORGANIZATION_ID } from '../jobs/types';

/** Persisted in Redis: renaming either needs a migration (remove the old scheduler). */
export const DEAD_LETTER_DIGEST_SCHEDULER_ID = 'dlq-digest';
export const DEAD_LETTER_DIGEST_JOB = 'dlq-digest' as const;

/**
 * Keeps the email queue's one digest scheduler in step with this process's configuration. A
 * BullMQ job scheduler lives in Redis under a fixed id, so however many processes upsert it, each
 * tick produces one job; upserting replaces the cron and zone of a previous deployment. Without
 * OPS_ALERT_EMAIL nobody would receive the digest, so the scheduler is removed.
 * Provided only where the email queue is consumed (EmailConsumerModule).
 */
/** How long the start waits for the schedule: a queue call waits for Redis however long it is away. */
const BOOT_WAIT_MS = 5_000;
const RETRY_MS = [1_000, 5_000, 30_000];

@Injectable()
export class DeadLetterDigestScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeadLetterDigest');
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly jobs: JobsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Set before the process is ready; with Redis away the start goes on, and the schedule is set once it answers. */
  async onApplicationBootstrap(): Promise<void> {
    await withTimeout(this.attempt(0), BOOT_WAIT_MS, () => new Error(`not set within ${BOOT_WAIT_MS} ms`)).catch((err: Error) =>
      this.logger.warn(`dead-letter digest schedule ${err.message} (Redis away?): starting; it is set once Redis answers`),
    );
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async attempt(n: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.apply();
    } catch (err) {
      const delay = RETRY_MS[Math.min(n, RETRY_MS.length - 1)];
      this.logger.error(`could not set the dead-letter digest schedule (retrying in ${delay} ms): ${(err as Error).message}`);
      this.retry = setTimeout(() => void this.attempt(n + 1), delay);
      this.retry.unref();
    }
  }

  private async apply(): Promise<void> {
    const queue = this.jobs.queue(EMAIL_QUEUE_NAME);
    const { cron, timezone, to } = this.config.email.digest;
    if (!to) {
      if (await queue.removeJobScheduler(DEAD_LETTER_DIGEST_SCHEDULER_ID)) {
        this.logger.log('OPS_ALERT_EMAIL is not set: removed the dead-letter digest schedule');
      }
      return;
    }
    const data: JobData<typeof EMAIL_QUEUE_NAME, typeof DEAD_LETTER_DIGEST_JOB> = { organizationId: SYSTEM_ORGANIZATION_ID };
    await queue.upsertJobScheduler(
      DEAD_LETTER_DIGEST_SCHEDULER_ID,
      { pattern: cron, tz: timezone },
      { name: DEAD_LETTER_DIGEST_JOB, data },
    );
    this.logger.log(`dead-letter digest scheduled at "${cron}" (${timezone})`);
  }
}
