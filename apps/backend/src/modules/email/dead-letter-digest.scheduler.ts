import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { StartupTask } from '../jobs/runtime/startup-task';
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
@Injectable()
export class DeadLetterDigestScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeadLetterDigest');
  private readonly task = new StartupTask('set the dead-letter digest schedule', () => this.apply(), this.logger);

  constructor(
    private readonly jobs: JobsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Set before the process is ready; with Redis away the start goes on, and the schedule is set once it answers. */
  onApplicationBootstrap(): Promise<void> {
    return this.task.start();
  }

  onApplicationShutdown(): void {
    this.task.stop();
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
