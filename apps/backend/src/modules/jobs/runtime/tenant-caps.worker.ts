import { EventEmitter } from 'node:events';
import { DelayedError, Job, Worker } from 'bullmq';
import type IORedis from 'ioredis';
import type { CancellableWorker } from './cancellable.worker';

const RUNS_EVENT = 'ethico:runs';

/**
 * A job goes on to run: BullMQ's 'active' also fires for a start the cap holds back, and a held-back
 * job's later start is not its first. The wait metric listens here, so a job's wait includes the
 * time its tenant's cap held it back.
 */
export function onJobRuns(worker: Worker, listener: (job: Job) => void): void {
  EventEmitter.prototype.on.call(worker, RUNS_EVENT, listener);
}

/** A queue's per-tenant limits on its workers (docs/fairness.md); 0 for none. */
export interface TenantCaps {
  /** Jobs of one tenant running at once, across every worker of the queue. */
  concurrency: number;
  /** Jobs of one tenant started in any window of `windowMs`. */
  perWindow: number;
  windowMs: number;
  /** How long a job held back by the concurrency cap waits before it is tried again. */
  retryMs: number;
}

/** A running job's claim on its tenant's slot lapses after this, so a killed worker's slot comes back. */
const RUNNING_LEASE_MS = 5 * 60_000;

/**
 * A start is counted for its window and this much longer (5 %, at most 1 s): the call it stands for
 * follows the start by a few milliseconds of scheduling, more when a worker takes several jobs at
 * once, and the provider counts calls. So calls, not only starts, stay at N in any window.
 */
const windowSlackMs = (windowMs: number) => Math.min(1000, Math.floor(windowMs / 20));

/**
 * KEYS: the tenant's running set, its recent starts. ARGV: job id, lease ms, concurrency, starts per
 * window, window ms, retry ms, this start's unique member. Answers 0 (taken: the job holds a slot
 * and its start is counted) or how many ms to wait. Redis's clock, so every process agrees.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local conc, per, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= conc then return tonumber(ARGV[6]) end
end
if per > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  if redis.call('ZCARD', KEYS[2]) >= per then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return math.max(1, tonumber(oldest[2]) + window - now + 1)
  end
  redis.call('ZADD', KEYS[2], now, ARGV[7])
  redis.call('PEXPIRE', KEYS[2], window)
end
if conc > 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 0`;

/**
 * On top of the given worker class: on a queue with per-tenant caps, a job whose tenant is at its
 * cap (running jobs, or starts in the window) goes back to the delayed set without spending an
 * attempt (moveToDelayed + DelayedError), keeping its priority, so it returns to its fair place. A
 * queue without caps runs as before, with no extra round trip.
 */
export function tenantCappedWorkerClass(
  Base: typeof CancellableWorker,
  capsOf: (queue: string, organizationId: string) => TenantCaps | null,
): typeof CancellableWorker {
  return class TenantCappedWorker extends Base {
    // Not async: on a queue without caps the job goes straight on, without a promise of its own.
    protected override callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
      const organizationId = (job.data as { organizationId?: unknown } | undefined)?.organizationId;
      const caps = typeof organizationId === 'string' && job.id ? capsOf(this.name, organizationId) : null;
      if (!caps) return this.runNow(job, token, signal);
      return this.callCapped(job, token, signal, caps, organizationId as string);
    }

    private runNow(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
      EventEmitter.prototype.emit.call(this, RUNS_EVENT, job);
      return super.callProcessJob(job, token, signal);
    }

    private async callCapped(job: Job, token: string, signal: AbortSignal | undefined, caps: TenantCaps, organizationId: string) {
      if (!job.id) return this.runNow(job, token, signal);
      const running = this.toKey(`fair:running:${organizationId}`);
      const client = (await this.client) as unknown as IORedis & { ethicoTenantAcquire?: (...args: string[]) => Promise<number> };
      if (!client.ethicoTenantAcquire) client.defineCommand('ethicoTenantAcquire', { numberOfKeys: 2, lua: ACQUIRE });
      const wait = Number(
        await client.ethicoTenantAcquire!(
          running,
          this.toKey(`fair:starts:${organizationId}`),
          job.id,
          String(RUNNING_LEASE_MS),
          String(caps.concurrency),
          String(caps.perWindow),
          String(caps.windowMs + windowSlackMs(caps.windowMs)),
          String(caps.retryMs),
          `${job.id}:${job.attemptsStarted}:${Date.now()}`,
        ),
      );
      if (wait > 0) {
        await job.moveToDelayed(Date.now() + wait, token);
        throw new DelayedError(`organization ${organizationId} is at its cap on ${this.name}: waits ${wait} ms`);
      }
      try {
        return await this.runNow(job, token, signal);
      } finally {
        if (caps.concurrency > 0) await client.zrem(running, job.id).catch(() => undefined);
      }
    }
  };
}
