import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import type { AiJobData } from '../jobs/types';

@Injectable()
export class AiService {
  async run(data: AiJobData, job: Job): Promise<unknown> {
    throw new UnrecoverableError(`AI processing is not available yet (job ${job.id}, ${data.type})`);
  }
}
