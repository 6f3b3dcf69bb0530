import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Job, JobsOptions, JobState, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { withCorrelation } from '../logging/correlation-context';
import { QueueUnavailableError, withTimeout } from './jobs.errors';
import { IdempotencyConflictError, idempotentJobId, IdempotencyRecord, IdempotencyScope, parseRecord, requestHash } from './idempotency';
import { RedisConnectionFactory } from '../redis/redis-connection.factory';
import { bullDefaultJobOptions, PRIORITY_TIERS, PriorityTier, WORK_QUEUE_DEFINITIONS } from './queues';
import { JobInput, JobName, validatePayload, WORK_QUEUES, WorkQueueName } from './types';

export { idempotentJobId } from './idempotency';

export interface EnqueueOptions {
  /**
   * Same key, same tenant, same request: the job is stored once, and later calls within the
   * record's TTL (QUEUE_IDEMPOTENCY_TTL_SECONDS) return it, even after retention removed it. The
   * same key with another job name or payload is an IdempotencyConflictError.
   */
  idempotencyKey?: string;
  /** Whose key it is: a client's Idempotency-Key never matches a system key. Default system. */
  idempotencyScope?: IdempotencyScope;
  priority?: PriorityTier;
  delayMs?: number;
  /**
   * The job this one follows from: the new job carries its correlation id (unless the data names
   * one). Jobs run outside any AsyncLocalStorage context, so a job enqueuing follow-up work says so.
   */
  causedBy?: Job;
}

export interface EnqueuedJob {
  id: string;
  queue: WorkQueueName;
  name: string;
  state: JobState | 'unknown';
}

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
  private readonly queues: Record<WorkQueueName, Queue>;

  /**
   * Producer queues of their own, on the fail-fast producer connection (workers and the dashboard
   * use connections that wait out Redis outages instead), with the same default job options.
   */
  constructor(
    redis: RedisConnectionFactory,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    const connection = redis.producer();
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
    // Always a priority: without one BullMQ would take the job before every prioritized (High) job.
    opts.priority = options.priority ? PRIORITY_TIERS[options.priority] : WORK_QUEUE_DEFINITIONS[queue].defaultJobOptions.priority;
    if (options.delayMs) opts.delay = options.delayMs;
    const q = this.queues[queue];
    if (!options.idempotencyKey) {
      const job = await this.withRedis(queue, () => q.add(name, payload, opts));
      return { id: job.id!, queue, name, state: initialState(job) };
    }
    return this.enqueueOnce(queue, name, payload, opts, options.idempotencyKey, options.idempotencyScope ?? 'system');
  }

  /**
   * The job is added under an id derived from the key, then the key's record is written from the
   * job actually stored (NX: the first writer wins). Every step can be repeated, so a crash between
   * them leaves nothing a retry cannot complete; the record outlives the job's retention.
   */
  private async enqueueOnce(
    queue: WorkQueueName,
    name: string,
    payload: { organizationId: string },
    opts: JobsOptions,
    key: string,
    scope: IdempotencyScope,
  ): Promise<EnqueuedJob> {
    const q = this.queues[queue];
    const jobId = idempotentJobId(payload.organizationId, key, scope);
    const recordKey = `${q.keys['']}idempotency:${jobId}`;
    const asked = requestHash(name, payload);
    const answer = async (record: IdempotencyRecord): Promise<EnqueuedJob> => {
      if (record.requestHash !== asked) throw new IdempotencyConflictError(key, record);
      const state = await this.withRedis(queue, () => q.getJobState(record.jobId));
      return { id: record.jobId, queue, name: record.name, state };
    };
    // The queue's own ioredis connection; BullMQ types it narrowly, as the few commands it uses.
    const client = (await this.withRedis(queue, () => q.client)) as unknown as IORedis;
    const existing = parseRecord(await this.withRedis(queue, () => client.get(recordKey)));
    if (existing) return answer(existing);

    await this.withRedis(queue, () => q.add(name, payload, { ...opts, jobId }));
    // add() keeps a job already stored under the id (one whose record expired, or a concurrent
    // request's): the record describes that job, not this request.
    const stored = await this.withRedis(queue, () => q.getJob(jobId));
    const record: IdempotencyRecord = stored
      ? { jobId, name: stored.name, requestHash: requestHash(stored.name, stored.data) }
      : { jobId, name, requestHash: asked };
    const ttl = this.config.queue.idempotencyTtlSeconds;
    const written = await this.withRedis(queue, () => client.set(recordKey, JSON.stringify(record), 'EX', ttl, 'NX'));
    if (written === 'OK') return answer(record);
    return answer(parseRecord(await this.withRedis(queue, () => client.get(recordKey))) ?? record);
  }

  /** The job as its tenant sees it; another tenant's job does not exist. */
  async find(queue: WorkQueueName, id: string, organizationId: string): Promise<JobView | null> {
    const q = this.queues[queue];
    // State first, then the job: the other way round, a job finishing in between would show its
    // new state with its old progress and no result.
    const state = await this.withRedis(queue, () => q.getJobState(id));
    const job = await this.withRedis(queue, () => q.getJob(id));
    if (!job || job.data?.organizationId !== organizationId) return null;
    return {
      id: job.id!,
      queue,
      name: job.name,
      state,
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

function initialState(job: Job): JobState {
  if (job.opts.delay && job.opts.delay > 0) return 'delayed';
  if (job.opts.priority && job.opts.priority > 0) return 'prioritized';
  return 'waiting';
}
