import { Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import type { NodemailerError } from 'nodemailer';
import type { AppConfig } from '../../config/configuration';
import { mailboxAddress } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { throwIfCancelled } from '../jobs/cancellation/job-cancellation';
import { originalJobId } from '../jobs/dead-letter/dead-letter.service';
import { invalidJob } from '../jobs/runtime/job-payload';
import { EMAIL_QUEUE_NAME } from '../jobs/queues/email.queue';
import { EmailJobData, fieldErrors, JobValidationError } from '../jobs/types';
import { deliveryError } from './delivery-errors';
import type { DeliveryReport } from './mail-sender';
import { MailTransport } from './mail-transport';
import { messageIdFor } from './message-id';
import { emailTemplate, EmailTemplateId, isEmailTemplateId, oneLine } from './templates';
import { jobLogFields } from '../logging/job-log-fields';

/** What an email job returns (stored as the job's result). */
export type EmailJobResult = DeliveryReport & { templateId: EmailTemplateId };

/**
 * Renders a template and hands the message to the transport. Failures are thrown, classified:
 * transient ones retry under the queue's policy, permanent ones end the job into the dead-letter queue.
 */
@Injectable()
export class EmailService {
  private readonly logger = new Logger(EmailService.name);
  private readonly domain: string;

  constructor(
    private readonly transport: MailTransport,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.domain = mailboxAddress(config.email.from)!.split('@')[1];
  }

  /**
   * `signal`: the job's. A cancelled job is stopped before its message is handed to the transport.
   * A message already being sent is not interrupted: the SMTP pool's connections carry other jobs'
   * messages too, and a conversation cut in DATA leaves the recipient's copy in doubt. A cancel
   * between attempts is refused by the worker runtime before the next attempt starts.
   */
  async send(data: EmailJobData, job: Job, signal?: AbortSignal): Promise<EmailJobResult> {
    const templateId = data.templateId;
    if (!isEmailTemplateId(templateId)) throw new UnrecoverableError(`unknown email template "${templateId}"`);
    const template = emailTemplate(templateId);
    // Workers leave the context to this check (producers checked it already): it runs once per job.
    const context = template.context.safeParse(data.context);
    if (!context.success) {
      throw invalidJob(EMAIL_QUEUE_NAME, job, new JobValidationError(fieldErrors(context.error, ['context'])));
    }
    let rendered;
    try {
      rendered = template.render(context.data);
    } catch (err) {
      // The payload was validated; a template that still fails to render fails the same way every time.
      throw new UnrecoverableError(`template ${templateId} could not be rendered: ${(err as Error).message}`);
    }
    const report = await this.deliver(
      job,
      data.organizationId,
      {
        to: Array.isArray(data.to) ? data.to : [data.to],
        subject: data.subject ? oneLine(data.subject) : rendered.subject,
        html: rendered.html,
        text: rendered.text,
      },
      signal,
    );
    return { ...report, templateId };
  }

  /** Sends one message as the given job; the Message-ID is the job's, whichever attempt this is. */
  async deliver(
    job: Job,
    organizationId: string,
    message: { to: string[]; subject: string; html: string; text: string },
    signal?: AbortSignal,
  ): Promise<DeliveryReport> {
    const messageId = messageIdFor({
      queuePrefix: this.config.queue.prefix,
      jobId: originalJobId(EMAIL_QUEUE_NAME, job.id!),
      organizationId,
      domain: this.domain,
    });
    throwIfCancelled(signal, EMAIL_QUEUE_NAME, job.id);
    let report: DeliveryReport;
    try {
      report = await this.transport.send({ ...message, messageId, from: this.config.email.from });
    } catch (err) {
      throw deliveryError(err as NodemailerError);
    }
    if (report.rejected.length > 0) {
      this.logger.warn({
        msg: `email job ${job.id}: ${report.rejected.length} recipient(s) rejected, ${report.accepted.length} accepted`,
        ...jobLogFields(job),
      });
    }
    return report;
  }
}
