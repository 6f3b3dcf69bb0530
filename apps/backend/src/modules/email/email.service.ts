import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import type { EmailJobData } from '../jobs/types';

@Injectable()
export class EmailService {
  async send(data: EmailJobData, job: Job): Promise<unknown> {
    throw new UnrecoverableError(`email delivery is not available yet (job ${job.id}, template ${data.templateId})`);
  }
}
