import { AsyncLocalStorage } from 'node:async_hooks';
import { storage as logStorage } from 'nestjs-pino/storage';

/**
 * What the current unit of work is about: an HTTP request or a job. Producers read it so that a
 * job enqueued while handling a request or another job carries the same correlation id.
 */
export interface CorrelationContext {
  correlationId?: string;
  organizationId?: string;
  queue?: string;
  jobId?: string;
}

/** A job's context rides on its log store (see JobContextWorker); requests use the storage below. */
export interface CorrelationCarrier {
  correlation?: CorrelationContext;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** The innermost unit of work: the job being run, else the request being handled. */
export const currentCorrelation = (): CorrelationContext | undefined =>
  (logStorage.getStore() as CorrelationCarrier | undefined)?.correlation ?? storage.getStore();

export function runWithCorrelation<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Whether the caller runs inside a job (rather than a request or nothing). */
export const inJob = (): boolean => currentCorrelation()?.jobId !== undefined;

/** Adds the current correlation id to job data that has none. */
export function withCurrentCorrelation<T>(data: T): T {
  const correlationId = currentCorrelation()?.correlationId;
  if (!correlationId || typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const record = data as Record<string, unknown>;
  return record.correlationId === undefined ? ({ ...record, correlationId } as T) : data;
}

/** Express middleware (after correlationId): the rest of the request runs in its correlation context. */
export function correlationContext(req: { correlationId?: string }, _res: unknown, next: () => void): void {
  runWithCorrelation({ correlationId: req.correlationId }, next);
}
