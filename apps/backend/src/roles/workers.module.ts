import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { DiscoveryModule } from '@nestjs/core';
import { AiModule } from '../modules/ai/ai.module';
import { EmailConsumerModule } from '../modules/email/email-consumer.module';
import { SearchModule } from '../modules/search/search.module';
import { JobsModule } from '../modules/jobs/jobs.module';
import { aiProcessorProvider, EmailProcessor, IndexingProcessor } from '../modules/jobs/processors/index';
import type { WorkQueueName } from '../modules/jobs/types/index';
import { CONSUMED_QUEUES } from '../modules/jobs/runtime/consumed-queues';
import { RateLimitNotingWorker } from '../modules/jobs/runtime/rate-limit-noting.worker';
import { WorkerFailuresListener } from '../modules/jobs/runtime/worker-failures.listener';

type ModuleImport = Type | DynamicModule;

/** What consuming a queue takes: its processor and the module holding the service that does the work. */
const CONSUMERS: Record<WorkQueueName, { processor: Provider; imports: ModuleImport[] }> = {
  'ai-processing': { processor: aiProcessorProvider, imports: [AiModule] },
  email: { processor: EmailProcessor, imports: [EmailConsumerModule] },
  indexing: { processor: IndexingProcessor, imports: [SearchModule] },
};

/**
 * Worker objects exist only where this module is imported, and only for the queues named:
 * a process with WORKER_QUEUES=ai-processing is a dedicated AI worker.
 */
@Module({})
export class WorkersModule {
  constructor() {
    // Modules are instantiated before @nestjs/bullmq creates the workers (module init).
    BullModule.workerClass = RateLimitNotingWorker;
  }

  static forQueues(queues: WorkQueueName[], extra: { processors?: Provider[] } = {}): DynamicModule {
    const consumers = queues.map((q) => CONSUMERS[q]);
    return {
      module: WorkersModule,
      imports: [DiscoveryModule, JobsModule, ...new Set(consumers.flatMap((c) => c.imports))],
      providers: [
        { provide: CONSUMED_QUEUES, useValue: queues },
        ...(extra.processors ?? consumers.map((c) => c.processor)),
        WorkerFailuresListener,
      ],
    };
  }
}
