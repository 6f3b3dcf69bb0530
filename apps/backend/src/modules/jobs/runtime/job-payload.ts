import { Job, UnrecoverableError } from 'bullmq';
import { openedPayloadOf } from '../sealing/opened-payloads';
import { JobData, JobName, JobValidationError, validatePayload, WorkQueueName } from '../types/index';

/**
 * Checks a job against the registry before any work is done. A job that can never succeed
 * (unknown name, invalid payload) fails at once, without burning retries, into the dead-letter queue.
 * The check is the registry's, less what the work checks itself (workerSchemaFor). The payload is
 * the one the worker opened in memory (sealing.worker.ts); job.data stays sealed.
 */
export function payloadOf<Q extends WorkQueueName, N extends JobName<Q>>(queue: Q, job: Job): { name: N; data: JobData<Q, N> } {
  try {
    return { name: job.name as N, data: validatePayload<JobData<Q, N>>(queue, job.name, openedPayloadOf(job), 'worker') };
  } catch (err) {
    if (err instanceof JobValidationError) throw invalidJob(queue, job, err);
    throw err;
  }
}

/** How a job with a payload that can never work fails: at once, naming its fields, into the dead-letter queue. */
export function invalidJob(queue: WorkQueueName, job: Job, err: JobValidationError): UnrecoverableError {
  return new UnrecoverableError(`invalid ${queue} job "${job.name}": ${err.message}`);
}
