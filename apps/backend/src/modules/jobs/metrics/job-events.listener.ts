import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import type { WorkQueueName } from '../types/index';
import { discoverWorkQueueWorkers } from '../runtime/discover-workers';
import { onRateLimited } from '../runtime/rate-limit-noting.worker';
import { onJobRuns } from '../runtime/tenant-caps.worker';
import { jobLogFields } from '../../logging/job-log-fields';
import { JobMetrics } from './job-metrics';

/**
 * Starts and successes, from every worker in this process: histograms, and a debug line per
 * completed job (debug, because at info they would cost throughput). Failures are handled by
 * WorkerFailuresListener, the one place for them.
 */
@Injectable()
export class JobEventsListener implements OnApplicationBootstrap {
  private readonly logger = new Logger('Jobs');
  /** Decided once: the per-job line would otherwise be built for every job only to be dropped. */
  private readonly logSuccesses: boolean;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly metrics: JobMetrics,
    @InjectConfig() config: AppConfig,
  ) {
    this.logSuccesses = config.logLevel === 'debug' || config.logLevel === 'trace';
  }

  onApplicationBootstrap(): void {
    for (const worker of discoverWorkQueueWorkers(this.discovery)) {
      const queue = worker.name;
      onJobRuns(worker, (job: Job) => this.metrics.started(queue, job));
      worker.on('completed', (job: Job) => this.onCompleted(queue, job));
      onRateLimited(worker, (source) => this.metrics.rateLimitHit(queue, source));
    }
  }

  private onCompleted(queue: WorkQueueName, job: Job): void {
    this.metrics.completed(queue, job);
    if (!this.logSuccesses) return;
    const ms = job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : undefined;
    this.logger.debug({
      msg: `${queue} job ${job.id} (${job.name}) completed`,
      ...jobLogFields(job),
      attempt: job.attemptsMade,
      durationMs: ms,
    });
  }
}
