import { EventEmitter } from 'node:events';
import { Job, RATE_LIMIT_ERROR, Worker } from 'bullmq';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import type { CorrelationCarrier, CorrelationContext } from './correlation-context';

let rootLogger: Logger | undefined;

/** Set by LoggingModule: the logger whose children carry each job's fields. */
export function setJobRootLogger(logger: Logger | undefined): void {
  rootLogger = logger;
}

/**
 * What a job runs in: one store in nestjs-pino's AsyncLocalStorage, carrying both the job's
 * correlation (read by producers and events) and its logger. One AsyncLocalStorage, not two:
 * every active one adds work to every promise the worker creates. The child logger is made on
 * the first log line, so a job that logs nothing costs no logger. (A class, not an object
 * literal with a getter: V8 makes those slowly, and one is made per job.)
 */
class JobStore implements CorrelationCarrier {
  private child?: Logger;

  constructor(
    readonly correlation: CorrelationContext,
    private readonly jobName: string,
  ) {}

  get logger(): Logger {
    return (this.child ??= rootLogger!.child({ ...this.correlation, jobName: this.jobName }));
  }

  /** PinoLogger.assign() replaces the store's logger with a child carrying more fields. */
  set logger(logger: Logger) {
    this.child = logger;
  }
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
  // Not async: each extra promise costs a promise-hook call under AsyncLocalStorage, per job.
  protected override callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
    if (!rootLogger) return this.processNotingRateLimits(job, token, signal);
    return storage.run(new JobStore(jobContext(this.name, job), job.name) as unknown as Store, () => this.processNotingRateLimits(job, token, signal));
  }

  private async processNotingRateLimits(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
    try {
      return await super.callProcessJob(job, token, signal);
    } catch (err) {
      if ((err as Error)?.message === RATE_LIMIT_ERROR) EventEmitter.prototype.emit.call(this, RATE_LIMITED_EVENT, 'processor', job);
      throw err;
    }
  }

  protected override moveToActive(...args: Parameters<Worker['moveToActive']>): ReturnType<Worker['moveToActive']> {
    // Only a queue with a limiter can become limited by taking a job.
    return this.opts.limiter ? this.moveToActiveNotingLimits(...args) : super.moveToActive(...args);
  }

  private async moveToActiveNotingLimits(...args: Parameters<Worker['moveToActive']>): ReturnType<Worker['moveToActive']> {
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
