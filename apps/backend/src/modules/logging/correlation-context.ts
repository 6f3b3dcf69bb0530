import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job } from 'bullmq';

/**
 * The HTTP request being handled. Producers read it so that a job enqueued while handling a
 * request carries the request's correlation id.
 */
export interface CorrelationContext {
  correlationId?: string;
}

/**
 * Entered by HTTP requests only (the middleware below). Jobs do not run in an AsyncLocalStorage
 * context: on Node 20 an active one hooks every promise in the process, and a worker process,
 * which serves no requests, never turns one on. Code run by a job is handed the job instead
 * (`jobLogFields(job)` for log lines, `causedBy: job` for follow-up jobs).
 */
const storage = new AsyncLocalStorage<CorrelationContext>();

/** The request being handled, if any. */
export const currentCorrelation = (): CorrelationContext | undefined => storage.getStore();

export function runWithCorrelation<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Whether the caller runs while handling an HTTP request (rather than a job, a timer or startup). */
export const inRequest = (): boolean => storage.getStore() !== undefined;

/**
 * Adds a correlation id to job data that has none: the one of the job it follows from
 * (`causedBy`), else the one of the request being handled.
 */
export function withCorrelation<T>(data: T, causedBy?: Job): T {
  const fromJob = (causedBy?.data as { correlationId?: unknown } | null | undefined)?.correlationId;
  const correlationId = typeof fromJob === 'string' ? fromJob : currentCorrelation()?.correlationId;
  if (!correlationId || typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const record = data as Record<string, unknown>;
  return record.correlationId === undefined ? ({ ...record, correlationId } as T) : data;
}

/** Express middleware (after correlationId): the rest of the request runs in its correlation context. */
export function correlationContext(req: { correlationId?: string }, _res: unknown, next: () => void): void {
  runWithCorrelation({ correlationId: req.correlationId }, next);
}
