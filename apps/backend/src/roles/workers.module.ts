import { DynamicModule, Module, Provider } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { DiscoveryModule } from '@nestjs/core';
import { JobsModule } from '../modules/jobs/jobs.module';
import { CONSUMERS } from '../modules/jobs/processors';
import type { WorkQueueName } from '../modules/jobs/queues';
import { CONSUMED_QUEUES } from '../modules/jobs/runtime/consumed-queues';
import { ConsumptionWatchdogService } from '../modules/jobs/runtime/consumption-watchdog.service';
import { JobCancellationListener } from '../modules/jobs/runtime/job-cancellation.listener';
import { sealingWorkerClass } from '../modules/jobs/runtime/sealing.worker';
import { PayloadSealer } from '../modules/jobs/sealing/payload-sealer';
import { WorkerFailuresListener } from '../modules/jobs/runtime/worker-failures.listener';

/**
 * Worker objects exist only where this module is imported, and only for the queues named:
 * a process with WORKER_QUEUES=ai-processing is a dedicated AI worker.
 */
@Module({})
export class WorkersModule {
  constructor(sealer: PayloadSealer) {
    // Modules are instantiated before @nestjs/bullmq creates the workers (module init).
    BullModule.workerClass = sealingWorkerClass(sealer);
  }

  static forQueues(queues: WorkQueueName[], extra: { processors?: Provider[] } = {}): DynamicModule {
    const consumers = queues.map((q) => {
      // Unreachable when the types hold; a queue that nothing would consume must not start silently.
      const consumer = (CONSUMERS as Partial<typeof CONSUMERS>)[q];
      if (!consumer) throw new Error(`no consumer for queue ${q}: add it to CONSUMERS in modules/jobs/processors/index.ts`);
      return consumer;
    });
    return {
      module: WorkersModule,
      imports: [DiscoveryModule, JobsModule, ...new Set(consumers.flatMap((c) => c.imports))],
      providers: [
        { provide: CONSUMED_QUEUES, useValue: queues },
        ...(extra.processors ?? consumers.map((c) => c.processor)),
        WorkerFailuresListener,
        ConsumptionWatchdogService,
        JobCancellationListener,
      ],
    };
  }
}
