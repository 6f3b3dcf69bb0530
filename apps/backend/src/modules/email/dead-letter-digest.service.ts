import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { DeadLetterService } from '../jobs/dead-letter/dead-letter.service';
import { ADMIN_QUEUES_ROUTE } from '../http/routes';
import { SYSTEM_ORGANIZATION_ID } from '../jobs/types';
import { EmailService } from './email.service';
import type { DeliveryReport } from './mail-sender';
import { renderEmail } from './templates';
import { jobLogFields } from '../logging/job-log-fields';

export type DeadLetterDigestResult = ({ sent: true; pending: number } & DeliveryReport) | { sent: false; pending: number; reason: string };

/**
 * The daily note to ops while the dead-letter queue holds unprocessed entries. It reads a summary
 * (counts, ages, reasons) and never the entries' payloads, which can hold confidential report content.
 */
@Injectable()
export class DeadLetterDigestService {
  private readonly logger = new Logger('DeadLetterDigest');

  constructor(
    private readonly deadLetters: DeadLetterService,
    private readonly email: EmailService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async run(job: Job, now = new Date()): Promise<DeadLetterDigestResult> {
    const to = this.config.email.digest.to;
    const summary = await this.deadLetters.summary();
    if (!to) return { sent: false, pending: summary.total, reason: 'OPS_ALERT_EMAIL is not set' };
    if (summary.total === 0 || !summary.oldestFailedAt) return { sent: false, pending: 0, reason: 'the dead-letter queue is empty' };

    const rendered = renderEmail('dlq-digest', {
      total: summary.total,
      queues: Object.entries(summary.byQueue).map(([queue, count]) => ({ queue, count: count ?? 0 })),
      oldestAge: formatAge(now.getTime() - Date.parse(summary.oldestFailedAt)),
      oldestFailedAt: summary.oldestFailedAt,
      reasons: summary.topReasons,
      dashboardUrl: `${this.config.http.publicUrl}${ADMIN_QUEUES_ROUTE}`,
    });
    const report = await this.email.deliver(job, SYSTEM_ORGANIZATION_ID, { to: [to], ...rendered });
    this.logger.log({ msg: `digest of ${summary.total} dead letter(s) sent to ops`, ...jobLogFields(job) });
    return { sent: true, pending: summary.total, ...report };
  }
}

/** "2 d 3 h", "4 h 10 min", "7 min": precise enough to tell yesterday's failures from last month's. */
function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}
