import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { EmailService } from '../../email/email.service';
import { EMAIL_QUEUE, EMAIL_QUEUE_NAME } from '../queues/email.queue';
import { payloadOf } from './job-payload';

@Processor(EMAIL_QUEUE_NAME, EMAIL_QUEUE.worker!)
export class EmailProcessor extends WorkerHost {
  constructor(private readonly email: EmailService) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    const { data } = payloadOf(EMAIL_QUEUE_NAME, job);
    return this.email.send(data, job);
  }
}
