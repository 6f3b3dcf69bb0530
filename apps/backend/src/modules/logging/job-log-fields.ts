import type { Job } from 'bullmq';

/** What every log line about a job carries, so that ops can filter a job's lines, a tenant's or a request's. */
export interface JobLogFields {
  queue: string;
  jobId: string;
  jobName: string;
  organizationId?: string;
  correlationId?: string;
}

/**
 * The job's fields for a log line: `logger.warn({ msg, ...jobLogFields(job) })`. Jobs pass these
 * explicitly rather than through an AsyncLocalStorage context: on Node 20 an active one hooks every
 * promise of the process, and a worker process would pay for it on every job (docs/BENCHMARKS.md).
 */
export function jobLogFields(job: Job): JobLogFields {
  const data = (job.data ?? {}) as Record<string, unknown>;
  return {
    queue: job.queueName,
    jobId: job.id ?? '',
    jobName: job.name,
    organizationId: typeof data.organizationId === 'string' ? data.organizationId : undefined,
    correlationId: typeof data.correlationId === 'string' ? data.correlationId : undefined,
  };
}
