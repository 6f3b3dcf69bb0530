import type { Job } from 'bullmq';

/**
 * The opened payload of each job being processed in this process, beside the sealed job object:
 * job.data stays sealed, so nothing that writes the job back (a dead-letter entry, updateData)
 * can write the plain payload to Redis. Kept under a symbol on the job object itself (JSON,
 * Object.keys and BullMQ's own serialisation never see a symbol key), so it is gone with the job
 * object and costs no lookup table: a WeakMap entry per job showed in the worker's garbage collection.
 */
const OPENED = Symbol('ethico.openedPayload');

type WithOpened = Job & { [OPENED]?: unknown };

export function rememberOpened(job: Job, data: unknown): void {
  (job as WithOpened)[OPENED] = data;
}

/** The payload a worker opened for this job; the stored data when it opened none (not sealed, or not run here). */
export function openedPayloadOf(job: Job): unknown {
  return OPENED in job ? (job as WithOpened)[OPENED] : job.data;
}
