import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { AiService } from '../../ai/ai.service';
import { AI_QUEUE, AI_QUEUE_NAME } from '../queues/ai.queue';
import { payloadOf } from './job-payload';

/** Runs only in processes that consume ai-processing: the dedicated AI workers in production. */
@Processor(AI_QUEUE_NAME, AI_QUEUE.worker!)
export class AiProcessor extends WorkerHost {
  constructor(private readonly ai: AiService) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    const { data } = payloadOf(AI_QUEUE_NAME, job);
    return this.ai.run(data, job);
  }
}
