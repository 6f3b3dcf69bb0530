import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Counter } from 'prom-client';
import { schemaFor, WorkQueueName } from '../types/index';
import type { RateLimitSource } from '../runtime/rate-limit-noting.worker';
import { FastHistogram } from '../../metrics/fast-histogram';
import { MetricsRegistry } from '../../metrics/metrics.registry';
import { OTHER_TENANTS, TenantLabels } from './tenant-labels';

const WAIT_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const RUN_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Job names come from the registry; anything else (a job added by hand) is one label value. */
const jobLabel = (queue: WorkQueueName, job: Job) => (schemaFor(queue, job.name) ? job.name : 'unregistered');
/** Error class names label failures: a handful of values, never messages. */
export const errorClass = (err: unknown) => {
  const name = err instanceof Error ? err.name : typeof err;
  return /^[A-Za-z0-9_]{1,64}$/.test(name) ? name : 'Error';
};
const seconds = (ms: number) => Math.max(0, ms) / 1000;

/** What workers report: waiting and processing times, failures by error class, rate limiting. */
@Injectable()
export class JobMetrics {
  // Observed for every job: FastHistogram, which finds a label set without hashing a labels object.
  private readonly wait: FastHistogram<'queue' | 'name'>;
  private readonly tenantWait: FastHistogram<'queue' | 'tenant'>;
  private readonly processing: FastHistogram<'queue' | 'name' | 'outcome'>;
  private readonly failedAttempts: Counter<'queue' | 'name' | 'error'>;
  private readonly finalFailures: Counter<'queue' | 'name' | 'error'>;
  private readonly rateLimited: Counter<'queue' | 'source'>;

  constructor(
    metrics: MetricsRegistry,
    private readonly tenants: TenantLabels,
  ) {
    const registers = [metrics.registry];
    this.wait = new FastHistogram(
      'ethico_job_wait_seconds',
      'Time from enqueue (or the end of a requested delay) to the first attempt running (time held back by a tenant cap included)',
      ['queue', 'name'],
      WAIT_BUCKETS,
      registers,
    );
    this.tenantWait = new FastHistogram(
      'ethico_tenant_job_wait_seconds',
      'Time from enqueue to the first attempt running, per tenant (time held back by a cap included): the top FAIRNESS_METRICS_TOP_K by pending jobs, the rest as other',
      ['queue', 'tenant'],
      WAIT_BUCKETS,
      registers,
    );
    this.processing = new FastHistogram(
      'ethico_job_processing_seconds',
      'Duration of one attempt, by outcome (completed or failed)',
      ['queue', 'name', 'outcome'],
      RUN_BUCKETS,
      registers,
    );
    this.failedAttempts = new Counter({
      name: 'ethico_job_failed_attempts_total',
      help: 'Failed attempts (retried or final), by error class',
      labelNames: ['queue', 'name', 'error'],
      registers,
    });
    this.finalFailures = new Counter({
      name: 'ethico_job_final_failures_total',
      help: 'Jobs that failed for good and went to the dead-letter queue, by error class',
      labelNames: ['queue', 'name', 'error'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'ethico_job_rate_limited_total',
      help: 'Rate-limit hits: a processor signalling a limit (RateLimitError) or the queue limiter engaging',
      labelNames: ['queue', 'source'],
      registers,
    });
  }

  /**
   * A job goes on to run (onJobRuns): its wait is observed on its first run only. A retry's wait is
   * backoff; a job recovered after a stall ran before. Starts its tenant's cap held back
   * (docs/fairness.md) are not runs: the run after them counts the time held back in the wait.
   */
  started(queue: WorkQueueName, job: Job): void {
    if (job.attemptsMade > 0 || job.stalledCounter > 0 || !job.processedOn) return;
    const readyAt = job.timestamp + (job.opts.delay ?? 0);
    const waited = seconds(job.processedOn - readyAt);
    this.wait.series(queue, jobLabel(queue, job)).observe(waited);
    const org = (job.data as { organizationId?: unknown } | undefined)?.organizationId;
    this.tenantWait.series(queue, typeof org === 'string' ? this.tenants.label(queue, org) : OTHER_TENANTS).observe(waited);
  }

  completed(queue: WorkQueueName, job: Job): void {
    this.observeRun(queue, job, 'completed');
  }

  failed(queue: WorkQueueName, job: Job, err: unknown, final: boolean): void {
    const labels = { queue, name: jobLabel(queue, job), error: errorClass(err) };
    this.observeRun(queue, job, 'failed');
    this.failedAttempts.inc(labels);
    if (final) this.finalFailures.inc(labels);
  }

  rateLimitHit(queue: WorkQueueName, source: RateLimitSource): void {
    this.rateLimited.inc({ queue, source });
  }

  private observeRun(queue: WorkQueueName, job: Job, outcome: 'completed' | 'failed'): void {
    if (!job.processedOn) return;
    this.processing.series(queue, jobLabel(queue, job), outcome).observe(seconds((job.finishedOn ?? Date.now()) - job.processedOn));
  }
}
