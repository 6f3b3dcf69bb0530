import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import { DeadLetterService } from '../dead-letter/dead-letter.service';
import type { AttemptRecord } from '../dead-letter/dead-letter.types';
import type { WorkQueueName } from '../types/index';
import { InjectConsumedQueues } from './consumed-queues';
import { discoverWorkQueueWorkers } from './discover-workers';
import { BullQueues } from '../bull-queues';
import { jobLogFields } from '../../logging/job-log-fields';
import { errorClass, JobMetrics } from '../metrics/job-metrics';
import { cancelMarkerKey, isJobCancelled } from '../cancellation/job-cancellation';

const RECONCILE_INTERVAL_MS = 5 * 60_000;

/**
 * The one place final failures are handled. Every failed attempt is written to the job's log (its
 * attempt history); a failure that ends the job (attempts exhausted, UnrecoverableError, stalled too
 * often) files a dead-letter entry. A periodic sweep files any the process missed (it was killed
 * between failing the job and filing it); entry ids are deterministic, so nothing is filed twice.
 * A cancelled job (JobCancelledError, and a cancel marker in Redis) is its owner's decision, not a
 * failure: it is logged, never filed.
 */
@Injectable()
export class WorkerFailuresListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeadLetter');
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly deadLetters: DeadLetterService,
    private readonly bullQueues: BullQueues,
    private readonly metrics: JobMetrics,
    @InjectConsumedQueues() private readonly queues: WorkQueueName[],
  ) {}

  onApplicationBootstrap(): void {
    for (const worker of discoverWorkQueueWorkers(this.discovery)) {
      const queue = worker.name;
      worker.on('failed', (job, err) => {
        if (job) this.track(this.onFailed(queue, job, err));
      });
    }
    this.track(this.reconcile());
    this.timer = setInterval(() => this.track(this.reconcile()), RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
  }

  /** Files dead letters for failed jobs that have none (at most the failed set's retention). */
  async reconcile(): Promise<number> {
    let filed = 0;
    for (const queue of this.queues) {
      try {
        const q = this.bullQueues.get(queue);
        const client = await q.client;
        const failedIds = await client.zrange(q.keys.failed, 0, -1);
        for (const id of failedIds) {
          if (await this.deadLetters.has(queue, id)) continue;
          if ((await client.get(cancelMarkerKey(q.opts.prefix ?? 'bull', queue, id))) !== null) continue;
          const job = await q.getJob(id);
          if (!job) continue;
          await this.deadLetters.record(queue, job);
          filed++;
        }
      } catch (err) {
        this.logger.error(`dead-letter sweep of ${queue} failed: ${(err as Error).message}`);
      }
    }
    return filed;
  }

  private async onFailed(queue: WorkQueueName, job: Job, err: Error): Promise<void> {
    // Not counted as a failure either: a cancel must not page anyone.
    if (isJobCancelled(err)) {
      this.logger.log({ msg: `${queue} job ${job.id} (${job.name}) cancelled by its owner`, ...jobLogFields(job) });
      return;
    }
    // finishedOn is set only when the failure is final; a retry leaves it unset.
    const final = Boolean(job.finishedOn);
    this.metrics.failed(queue, job, err, final);
    const line = {
      ...jobLogFields(job),
      attempt: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      errorClass: errorClass(err),
      error: err.message,
    };
    if (final) this.logger.error({ msg: `${queue} job ${job.id} (${job.name}) failed for good: ${err.message}`, ...line });
    else
      this.logger.warn({
        msg: `${queue} job ${job.id} (${job.name}) attempt ${job.attemptsMade} failed, will retry: ${err.message}`,
        ...line,
      });
    try {
      const attempt: AttemptRecord = {
        attempt: job.attemptsMade,
        startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
        failedAt: new Date().toISOString(),
        error: `${err.name}: ${err.message}`.slice(0, 2000),
      };
      await job.log(JSON.stringify(attempt));
      if (final) await this.deadLetters.record(queue, job, err.message);
    } catch (e) {
      this.logger.error(`could not record failure of ${queue} job ${job.id}: ${(e as Error).message}`);
    }
  }

  private track(p: Promise<unknown>): void {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
  }
}
