import { DynamicModule, Inject, Module, Provider } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.module';
import { AppConfig, ConfigValidationError } from '../config/configuration';
import { BullModule } from '@nestjs/bullmq';
import { DiscoveryModule } from '@nestjs/core';
import { JobsModule } from '../modules/jobs/jobs.module';
import { CONSUMERS } from '../modules/jobs/processors';
import type { WorkQueueName } from '../modules/jobs/queues';
import { CONSUMED_QUEUES } from '../modules/jobs/runtime/consumed-queues';
import { ConsumptionWatchdogService } from '../modules/jobs/runtime/consumption-watchdog.service';
import { JobCancellationListener } from '../modules/jobs/runtime/job-cancellation.listener';
import { sealingWorkerClass } from '../modules/jobs/runtime/sealing.worker';
import { TenantCaps, tenantCappedWorkerClass } from '../modules/jobs/runtime/tenant-caps.worker';
import { AI_QUEUE_NAME, isWorkQueue, WORK_QUEUES } from '../modules/jobs/queues';
import { PayloadSealer } from '../modules/jobs/sealing/payload-sealer';
import { TenantWeights } from '../modules/jobs/fairness/tenant-weights';
import { WorkerFailuresListener } from '../modules/jobs/runtime/worker-failures.listener';

/**
 * Worker objects exist only where this module is imported, and only for the queues named:
 * a process with WORKER_QUEUES=ai-processing is a dedicated AI worker.
 */
@Module({})
export class WorkersModule {
  constructor(sealer: PayloadSealer, @Inject(APP_CONFIG) config: AppConfig, weights: TenantWeights) {
    const unknown = Object.keys(config.fairness.tenantConcurrency).filter((q) => !isWorkQueue(q));
    if (unknown.length > 0) {
      throw new ConfigValidationError([
        `FAIRNESS_TENANT_CONCURRENCY: unknown queue(s) ${unknown.join(', ')}; allowed: ${WORK_QUEUES.join(', ')}`,
      ]);
    }
    // Modules are instantiated before @nestjs/bullmq creates the workers (module init).
    BullModule.workerClass = tenantCappedWorkerClass(sealingWorkerClass(sealer), (queue, org) => tenantCapsOf(config, weights, queue, org));
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

/**
 * A queue's caps for one tenant (docs/fairness.md), or null: no check at all. The concurrency cap is
 * per queue (FAIRNESS_TENANT_CONCURRENCY); the AI start limit is the tenant's own (tenant_fairness)
 * or FAIRNESS_AI_CALLS_PER_MINUTE. Called for every job: map look-ups, no round trip.
 */
export function tenantCapsOf(
  config: AppConfig,
  weights: Pick<TenantWeights, 'aiCallsPerMinuteOf'>,
  queue: string,
  organizationId: string,
): TenantCaps | null {
  const f = config.fairness;
  const concurrency = f.tenantConcurrency[queue] ?? 0;
  const perWindow = queue === AI_QUEUE_NAME ? weights.aiCallsPerMinuteOf(organizationId) : 0;
  if (concurrency === 0 && perWindow === 0) return null;
  return { concurrency, perWindow, windowMs: 60_000, retryMs: f.capRetryMs };
}
