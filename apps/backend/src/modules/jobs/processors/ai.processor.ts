import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Provider } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG } from '../../../config/app-config.module';
import type { AppConfig } from '../../../config/configuration';
import { AiService } from '../../ai/ai.service';
import { AI_QUEUE_NAME, aiWorkerOptions } from '../queues/ai.queue';
import { payloadOf } from '../runtime/job-payload';

/**
 * Runs only in processes that consume ai-processing: the dedicated AI workers in production.
 * Registered through `aiProcessorProvider`, which decorates it with worker options taken from
 * the configuration (lock duration, limiter); a plain `@Processor` is fixed at class definition.
 */
export class AiProcessor extends WorkerHost {
  constructor(private readonly ai: AiService) {
    super();
  }

  // Three parameters: BullMQ hands the job's abort signal only to a processor that takes one.
  async process(job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> {
    const { data } = payloadOf(AI_QUEUE_NAME, job);
    return this.ai.run(data, job, signal);
  }
}

export const aiProcessorProvider: Provider = {
  provide: AiProcessor,
  inject: [APP_CONFIG, AiService],
  useFactory: (config: AppConfig, ai: AiService) => {
    @Processor(AI_QUEUE_NAME, aiWorkerOptions(config.ai))
    class ConfiguredAiProcessor extends AiProcessor {}
    return new ConfiguredAiProcessor(ai);
  },
};
