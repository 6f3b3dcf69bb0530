import { UnrecoverableError } from 'bullmq';

/** A week: longer than any queue keeps a failed job, so a cancelled job is known as one while it exists. */
export const CANCEL_MARKER_TTL_SECONDS = 7 * 24 * 3600;
/** How long a worker process remembers a cancellation it heard of for a job it was not (yet) running. */
export const RECENT_CANCEL_MS = 60_000;

/** What the marker records: who may see the cancelled job (a removed job has no data left to say). */
export interface CancelMarker {
  organizationId: string;
  name: string;
  /** The state the job was in when the cancel was asked for. */
  state: string;
  at: string;
  /** The job's own timestamp (ms), for GET of a removed job. */
  createdAt: number;
}

/**
 * `<queue's prefix>:<queue>:cancelled:<id>`: beside the queue's own keys (and in their hash slot), so
 * `prefix` is the queue's BullMQ prefix (queuePrefix). Custom job ids never contain ':'.
 */
export const cancelMarkerKey = (prefix: string, queue: string, id: string): string => `${prefix}:${queue}:cancelled:${id}`;
/** One channel per prefix; every worker process subscribes and aborts the job if it runs it. */
export const cancelChannel = (prefix: string): string => `${prefix}:job-cancellations`;

export interface CancelMessage {
  queue: string;
  id: string;
}

export function parseCancelMessage(raw: string): CancelMessage | null {
  try {
    const m = JSON.parse(raw) as Partial<CancelMessage>;
    return typeof m.queue === 'string' && typeof m.id === 'string' ? { queue: m.queue, id: m.id } : null;
  } catch {
    return null;
  }
}

/** The abort reason a cancelled job's signal carries (BullMQ's cancelJob takes a string). */
export const CANCEL_REASON = 'cancelled by request';

/**
 * How a cancelled job ends: failed, never retried (UnrecoverableError), and never filed as a dead
 * letter (the failures listener and its sweep skip it). JobsService reports its state as `cancelled`.
 */
export class JobCancelledError extends UnrecoverableError {
  constructor(queue: string, id: string | undefined) {
    super(`${CANCEL_REASON}: ${queue} job ${id ?? '?'} was cancelled by its owner`);
    this.name = 'JobCancelledError';
  }
}

export const isJobCancelled = (err: unknown): boolean =>
  err instanceof JobCancelledError || (err as Error | null)?.name === 'JobCancelledError';

/** True when a job's signal was aborted by a cancellation (not by a timeout or shutdown). */
export const abortedByCancel = (signal: AbortSignal | undefined): boolean => Boolean(signal?.aborted && signal.reason === CANCEL_REASON);

/** Throws the job's cancellation when its signal was aborted by one; call between units of work. */
export function throwIfCancelled(signal: AbortSignal | undefined, queue: string, id: string | undefined): void {
  if (abortedByCancel(signal)) throw new JobCancelledError(queue, id);
}
