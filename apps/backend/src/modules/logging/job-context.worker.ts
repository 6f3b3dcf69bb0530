import { EventEmitter } from 'node:events';
import { Job, RATE_LIMIT_ERROR, Worker } from 'bullmq';
import { CorrelationContext, runWithCorrelation } from './correlation-context';

type LogContextRunner = <T>(bindings: Record<string, unknown>, fn: () => T) => T;
let runInLogContext: LogContextRunner = (_bindings, fn) => fn();

/** Set by LoggingModule: runs a function with a logger bound to the given fields. */
export function setLogContextRunner(runner: LogContextRunner): void {
  runInLogContext = runner;
}

export function jobContext(queue: string, job: Job): Required<Pick<CorrelationContext, 'queue' | 'jobId'>> & CorrelationContext {
  const data = (job.data ?? {}) as Record<string, unknown>;
  return {
    queue,
    jobId: job.id ?? '',
    correlationId: typeof data.correlationId === 'string' ? data.correlationId : undefined,
    organizationId: typeof data.organizationId === 'string' ? data.organizationId : undefined,
  };
}

export const RATE_LIMITED_EVENT = 'ethico:rate-limited';
export type RateLimitSource = 'processor' | 'limiter';

/** Rate-limit hits have no BullMQ event; JobContextWorker emits this one. */
export function onRateLimited(worker: Worker, listener: (source: RateLimitSource, job?: Job) => void): void {
  EventEmitter.prototype.on.call(worker, RATE_LIMITED_EVENT, listener);
}

/**
 * The Worker class @nestjs/bullmq instantiates (BullModule.workerClass). Every job runs inside a
 * context naming its queue, job id, organization and correlation id: log lines written while it
 * runs carry them, and jobs it enqueues inherit the correlation id. Processors stay unaware.
 */
export class JobContextWorker extends Worker {
  protected override async callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
    const ctx = jobContext(this.name, job);
    return runWithCorrelation(ctx, () =>
      runInLogContext({ ...ctx, jobName: job.name }, async () => {
        try {
          return await super.callProcessJob(job, token, signal);
        } catch (err) {
          if ((err as Error)?.message === RATE_LIMIT_ERROR) EventEmitter.prototype.emit.call(this, RATE_LIMITED_EVENT, 'processor', job);
          throw err;
        }
      }),
    );
  }

  protected override async moveToActive(...args: Parameters<Worker['moveToActive']>): ReturnType<Worker['moveToActive']> {
    const wasLimited = this.limited();
    const next = await super.moveToActive(...args);
    if (!wasLimited && this.limited()) EventEmitter.prototype.emit.call(this, RATE_LIMITED_EVENT, 'limiter');
    return next;
  }

  // BullMQ keeps isRateLimited() private in its typings, though it is a plain method.
  private limited(): boolean {
    return (this as unknown as { isRateLimited(): boolean }).isRateLimited();
  }
}
