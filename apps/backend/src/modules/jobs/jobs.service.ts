import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Job, JobsOptions, JobState, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { withCorrelation } from '../logging/correlation-context';
import { QueueUnavailableError, withTimeout } from './jobs.errors';
import { CANCEL_MARKER_TTL_SECONDS, cancelChannel, CancelMarker, cancelMarkerKey } from './cancellation/job-cancellation';
import { JobCancellationsRepository } from './cancellation/job-cancellations.repository';
import { RedisConnectionFactory } from '../redis/redis-connection.factory';
import { bullDefaultJobOptions, PRIORITY_TIERS, PriorityTier, WORK_QUEUE_DEFINITIONS } from './queues';
import { JobInput, JobName, validatePayload, WORK_QUEUES, WorkQueueName } from './types';

export interface EnqueueOptions {
  /** Same key, same tenant: the job is stored once, and later calls return it. */
  idempotencyKey?: string;
  priority?: PriorityTier;
  delayMs?: number;
  /**
   * The job this one follows from: the new job carries its correlation id (unless the data names
   * one). Jobs run outside any AsyncLocalStorage context, so a job enqueuing follow-up work says so.
   */
  causedBy?: Job;
}

/** BullMQ's states, and `cancelled`: a job its owner cancelled (removed before it ran, or aborted while running). */
export type JobViewState = JobState | 'unknown' | 'cancelled';

export interface EnqueuedJob {
  id: string;
  queue: WorkQueueName;
  name: string;
  state: JobViewState;
}

/**
 * What DELETE did: `cancelled` (removed before it ran, or cancelled earlier), `cancelling` (it is
 * running: its worker, wherever it is, was told to abort it), or `finished` (too late: it completed or failed).
 */
export interface CancelOutcome {
  id: string;
  queue: WorkQueueName;
  name: string;
  state: 'cancelled' | 'cancelling' | 'finished';
  /** The job's state when the cancel was asked for. */
  previousState: JobViewState;
}

export interface CancelRequester {
  userId?: string;
  correlationId?: string;
}

/** States in which a job has not started: removing it is the whole cancellation. */
const NOT_STARTED: readonly string[] = ['waiting', 'delayed', 'prioritized', 'waiting-children'];

export interface JobView extends EnqueuedJob {
  attemptsMade: number;
  progress: unknown;
  result: unknown;
  failedReason: string | null;
  createdAt: string;
  processedAt: string | null;
  finishedAt: string | null;
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/**
 * The typed producer every module uses to enqueue work. Payloads are checked against the registry
 * at compile time and again here, so a job that can never succeed never reaches Redis.
 */
@Injectable()
export class JobsService implements OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly queues: Record<WorkQueueName, Queue>;
  private readonly producer: IORedis;

  /**
   * Producer queues of their own, on the fail-fast producer connection (workers and the dashboard
   * use connections that wait out Redis outages instead), with the same default job options.
   */
  constructor(
    redis: RedisConnectionFactory,
    @InjectConfig() private readonly config: AppConfig,
    private readonly cancellations: JobCancellationsRepository,
  ) {
    const connection = redis.producer();
    this.producer = connection;
    const open = (name: WorkQueueName) =>
      new Queue(name, { connection, prefix: config.queue.prefix, defaultJobOptions: bullDefaultJobOptions(WORK_QUEUE_DEFINITIONS[name]) });
    this.queues = Object.fromEntries(WORK_QUEUES.map((name) => [name, open(name)])) as Record<WorkQueueName, Queue>;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }

  queue(name: WorkQueueName): Queue {
    return this.queues[name];
  }

  async enqueue<Q extends WorkQueueName, N extends JobName<Q>>(
    queue: Q,
    name: N,
    data: JobInput<Q, N>,
    options: EnqueueOptions = {},
  ): Promise<EnqueuedJob> {
    // A job enqueued while handling a request, or following from another job, carries that correlation id.
    const payload = validatePayload<{ organizationId: string }>(queue, name, withCorrelation(data, options.causedBy));
    const opts: JobsOptions = {};
    if (options.idempotencyKey) opts.jobId = idempotentJobId(payload.organizationId, options.idempotencyKey);
    if (options.priority) opts.priority = PRIORITY_TIERS[options.priority];
    if (options.delayMs) opts.delay = options.delayMs;

    const q = this.queues[queue];
    const job = await this.withRedis(queue, async () => {
      const added = await q.add(name, payload, opts);
      return added;
    });
    // A repeated idempotency key returns the stored job, whose state may be anything by now.
    const state = opts.jobId ? await this.withRedis(queue, () => q.getJobState(job.id!)) : initialState(job);
    return { id: job.id!, queue, name, state };
  }

  /** The job as its tenant sees it; another tenant's job does not exist. */
  async find(queue: WorkQueueName, id: string, organizationId: string): Promise<JobView | null> {
    const q = this.queues[queue];
    // State first, then the job: the other way round, a job finishing in between would show its
    // new state with its old progress and no result.
    const state = await this.withRedis(queue, () => q.getJobState(id));
    const job = await this.withRedis(queue, () => q.getJob(id));
    if (!job) return this.removedByCancel(queue, id, organizationId);
    if (job.data?.organizationId !== organizationId) return null;
    const cancelled = state === 'failed' && (await this.cancelMarker(queue, id)) !== null;
    return {
      id: job.id!,
      queue,
      name: job.name,
      state: cancelled ? 'cancelled' : state,
      attemptsMade: job.attemptsMade,
      progress: job.progress,
      result: job.returnvalue ?? null,
      failedReason: job.failedReason || null,
      createdAt: new Date(job.timestamp).toISOString(),
      processedAt: iso(job.processedOn),
      finishedAt: iso(job.finishedOn),
    };
  }

  /**
   * Cancels the caller's own job (another tenant's is null: not found). A job that has not started is
   * removed. A running one is aborted by whichever worker process runs it: the marker is written
   * first (a week, so a worker that picks the job up again after a crash refuses it), then every
   * worker process is told on the cancel channel. It then fails with JobCancelledError: no retry,
   * no dead letter. Asking again is harmless.
   */
  async cancel(queue: WorkQueueName, id: string, organizationId: string, by: CancelRequester = {}): Promise<CancelOutcome | null> {
    const q = this.queues[queue];
    const job = await this.withRedis(queue, () => q.getJob(id));
    if (!job) {
      const earlier = await this.removedByCancel(queue, id, organizationId);
      return earlier ? { id, queue, name: earlier.name, state: 'cancelled', previousState: 'cancelled' } : null;
    }
    if (job.data?.organizationId !== organizationId) return null;
    const state = await this.withRedis(queue, () => q.getJobState(id));
    const outcome = (s: CancelOutcome['state']): CancelOutcome => ({ id, queue, name: job.name, state: s, previousState: state });
    if (state === 'completed' || state === 'failed') {
      return (await this.cancelMarker(queue, id)) ? { ...outcome('cancelled'), previousState: 'cancelled' } : outcome('finished');
    }
    const marker: CancelMarker = { organizationId, name: job.name, state, at: new Date().toISOString(), createdAt: job.timestamp };
    const key = cancelMarkerKey(this.config.queue.prefix, queue, id);
    await this.withRedis(queue, () => this.producer.set(key, JSON.stringify(marker), 'EX', CANCEL_MARKER_TTL_SECONDS));
    if (NOT_STARTED.includes(state)) {
      // Fails when a worker took the job meanwhile (it is locked): then it is cancelled as a running one.
      const removed = await this.withRedis(queue, () => job.remove()).then(
        () => true,
        () => false,
      );
      if (removed) {
        await this.note(queue, job, state, 'removed', by);
        return outcome('cancelled');
      }
    }
    await this.withRedis(queue, () => this.producer.publish(cancelChannel(this.config.queue.prefix), JSON.stringify({ queue, id })));
    await this.note(queue, job, state, 'abort-requested', by);
    return outcome('cancelling');
  }

  /** The cancel marker of a job, if its owner cancelled it (within the last week). */
  async cancelMarker(queue: WorkQueueName, id: string): Promise<CancelMarker | null> {
    const raw = await this.withRedis(queue, () => this.producer.get(cancelMarkerKey(this.config.queue.prefix, queue, id)));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as CancelMarker;
    } catch {
      return null;
    }
  }

  /** A job removed by a cancel answers as cancelled, to its own tenant, while its marker lasts. */
  private async removedByCancel(queue: WorkQueueName, id: string, organizationId: string): Promise<JobView | null> {
    const marker = await this.cancelMarker(queue, id);
    if (!marker || marker.organizationId !== organizationId) return null;
    return {
      id,
      queue,
      name: marker.name,
      state: 'cancelled',
      attemptsMade: 0,
      progress: 0,
      result: null,
      failedReason: null,
      createdAt: new Date(marker.createdAt).toISOString(),
      processedAt: null,
      finishedAt: marker.at,
    };
  }

  private async note(
    queue: WorkQueueName,
    job: Job,
    state: JobViewState,
    outcome: 'removed' | 'abort-requested',
    by: CancelRequester,
  ): Promise<void> {
    // The console's record; the cancellation itself already happened in Redis and stands without it.
    await this.cancellations
      .record({
        organizationId: String(job.data.organizationId),
        queue,
        jobId: job.id!,
        jobName: job.name,
        state,
        outcome,
        requestedBy: by.userId ?? null,
        correlationId: by.correlationId ?? null,
      })
      .catch((err: Error) => this.logger.warn(`could not record the cancellation of ${queue} job ${job.id}: ${err.message}`));
  }

  /**
   * Commands are issued only on a ready connection (a command queued while Redis is away would
   * run later, after the caller was told it failed) and are bounded in time.
   */
  private async withRedis<T>(queue: WorkQueueName, fn: () => Promise<T>): Promise<T> {
    const timeoutMs = this.config.queue.enqueueTimeoutMs;
    const unavailable = (reason: string) => () => new QueueUnavailableError(queue, reason);
    const client = await withTimeout(this.queues[queue].client, timeoutMs, unavailable('no connection to Redis'));
    if (client.status !== 'ready') throw unavailable(`Redis connection is ${client.status}`)();
    const answer = fn().catch((err: Error) => {
      // The producer connection rejects rather than retries when Redis goes away mid-command.
      throw unavailable(`Redis error: ${err.message}`)();
    });
    return withTimeout(answer, timeoutMs, unavailable(`Redis did not answer within ${timeoutMs} ms`));
  }
}

/** Scoped by tenant, and shaped to BullMQ's rules for custom ids (no ':' and not an integer). */
export function idempotentJobId(organizationId: string, key: string): string {
  return `k-${createHash('sha256').update(`${organizationId}\n${key}`).digest('hex').slice(0, 40)}`;
}

function initialState(job: Job): JobState {
  if (job.opts.delay && job.opts.delay > 0) return 'delayed';
  if (job.opts.priority && job.opts.priority > 0) return 'prioritized';
  return 'waiting';
}
