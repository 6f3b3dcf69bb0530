import type { Job } from 'bullmq';
import { abortedByCancel, CANCEL_REASON, cancelMarkerKey, JobCancelledError, RECENT_CANCEL_MS } from '../cancellation/job-cancellation';
import { RateLimitNotingWorker } from './rate-limit-noting.worker';

/**
 * The Worker class @nestjs/bullmq instantiates (BullModule.workerClass, set by WorkersModule). On top
 * of rate-limit noting it makes jobs cancellable: `cancel(id)` aborts the job's signal if this worker
 * runs it, and remembers the id for a minute, so a cancellation heard just before the job starts here
 * still stops it. A job that has run before (a retry, or recovered after its worker died) is checked
 * against the cancel marker in Redis before it runs again; a first run costs no extra round trip.
 * A processor that stops on the signal, whatever it throws, ends as JobCancelledError.
 */
export class CancellableWorker extends RateLimitNotingWorker {
  private readonly recentlyCancelled = new Map<string, number>();

  /** Aborts the job if this worker runs it; true if it did. */
  cancel(jobId: string): boolean {
    const now = Date.now();
    for (const [id, at] of this.recentlyCancelled) if (now - at > RECENT_CANCEL_MS) this.recentlyCancelled.delete(id);
    this.recentlyCancelled.set(jobId, now);
    return this.cancelJob(jobId, CANCEL_REASON);
  }

  protected override async callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
    if (await this.cancelledBeforeStart(job, signal)) throw new JobCancelledError(this.name, job.id);
    try {
      return await super.callProcessJob(job, token, signal);
    } catch (err) {
      if (abortedByCancel(signal)) throw new JobCancelledError(this.name, job.id);
      throw err;
    }
  }

  private async cancelledBeforeStart(job: Job, signal: AbortSignal | undefined): Promise<boolean> {
    if (abortedByCancel(signal)) return true;
    const heardAt = job.id ? this.recentlyCancelled.get(job.id) : undefined;
    if (heardAt !== undefined && Date.now() - heardAt <= RECENT_CANCEL_MS) return true;
    // attemptsStarted counts this start too: above 1, the job was started before (and failed or stalled).
    const ranBefore = job.attemptsMade > 0 || job.stalledCounter > 0 || job.attemptsStarted > 1;
    if (!ranBefore || !job.id) return false;
    const client = await this.client;
    return (await client.get(cancelMarkerKey(this.opts.prefix ?? 'bull', this.name, job.id))) !== null;
  }
}
