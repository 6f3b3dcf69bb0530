import { EventEmitter } from 'node:events';
import { Job, Processor, RATE_LIMIT_ERROR, RedisConnection, Worker, WorkerOptions } from 'bullmq';
import { bullConnectionsOf, dropErrorsNobodyHears } from './unheard-connection-errors';

const RATE_LIMITED_EVENT = 'ethico:rate-limited';
export type RateLimitSource = 'processor' | 'limiter';

/** Rate-limit hits have no BullMQ event; RateLimitNotingWorker emits this one. */
export function onRateLimited(worker: Worker, listener: (source: RateLimitSource, job?: Job) => void): void {
  EventEmitter.prototype.on.call(worker, RATE_LIMITED_EVENT, listener);
}

/**
 * The Worker class @nestjs/bullmq instantiates (BullModule.workerClass, set by WorkersModule):
 * a BullMQ Worker that also tells when a queue gets rate limited, by a processor (a provider's 429)
 * or by the queue's limiter, for the metrics. Processors stay unaware.
 * An error of its connections once they are closed is dropped (dropErrorsNobodyHears).
 */
export class RateLimitNotingWorker extends Worker {
  constructor(name: string, processor?: string | URL | null | Processor, opts?: WorkerOptions, connection?: typeof RedisConnection) {
    super(name, processor, opts, connection);
    for (const c of bullConnectionsOf(this)) dropErrorsNobodyHears(c);
  }

  protected override async callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
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
