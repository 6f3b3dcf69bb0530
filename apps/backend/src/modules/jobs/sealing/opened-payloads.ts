import type { Job } from 'bullmq';

/**
 * The opened payload of each job being processed in this process, beside the sealed job object:
 * job.data stays sealed, so nothing that writes the job back (a dead-letter entry, updateData)
 * can write the plain payload to Redis. Gone with the job object.
 */
const opened = new WeakMap<Job, unknown>();

export function rememberOpened(job: Job, data: unknown): void {
  opened.set(job, data);
}

/** The payload a worker opened for this job; the stored data when it opened none (not sealed, or not run here). */
export function openedPayloadOf(job: Job): unknown {
  return opened.has(job) ? opened.get(job) : job.data;
}
