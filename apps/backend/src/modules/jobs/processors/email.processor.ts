import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DLQ_DIGEST_JOB } from '../../email/dlq-digest.scheduler';
import { DlqDigestService } from '../../email/dlq-digest.service';
import { EmailService } from '../../email/email.service';
import { EMAIL_QUEUE, EMAIL_QUEUE_NAME } from '../queues/email.queue';
import { payloadOf } from './job-payload';

@Processor(EMAIL_QUEUE_NAME, EMAIL_QUEUE.worker!)
export class EmailProcessor extends WorkerHost {
  constructor(
    private readonly email: EmailService,
    private readonly digest: DlqDigestService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    if (job.name === DLQ_DIGEST_JOB) {
      payloadOf<typeof EMAIL_QUEUE_NAME, typeof DLQ_DIGEST_JOB>(EMAIL_QUEUE_NAME, job);
      return this.digest.run(job);
    }
    const { data } = payloadOf<typeof EMAIL_QUEUE_NAME, 'send-email'>(EMAIL_QUEUE_NAME, job);
    return this.email.send(data, job);
  }
}
