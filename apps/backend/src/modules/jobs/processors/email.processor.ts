import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DEAD_LETTER_DIGEST_JOB } from '../../email/dead-letter-digest.scheduler';
import { DeadLetterDigestService } from '../../email/dead-letter-digest.service';
import { EmailService } from '../../email/email.service';
import { EMAIL_QUEUE, EMAIL_QUEUE_NAME } from '../queues/email.queue';
import { payloadOf } from '../runtime/job-payload';

@Processor(EMAIL_QUEUE_NAME, EMAIL_QUEUE.worker)
export class EmailProcessor extends WorkerHost {
  constructor(
    private readonly email: EmailService,
    private readonly digest: DeadLetterDigestService,
  ) {
    super();
  }

  // Three parameters: BullMQ hands the job's abort signal only to a processor that takes one.
  async process(job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> {
    if (job.name === DEAD_LETTER_DIGEST_JOB) {
      payloadOf<typeof EMAIL_QUEUE_NAME, typeof DEAD_LETTER_DIGEST_JOB>(EMAIL_QUEUE_NAME, job);
      return this.digest.run(job);
    }
    const { data } = payloadOf<typeof EMAIL_QUEUE_NAME, 'send-email'>(EMAIL_QUEUE_NAME, job);
    return this.email.send(data, job, signal);
  }
}
