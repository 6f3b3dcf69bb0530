import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Job, JobsOptions, JobState, Queue } from 'bullmq';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { withCorrelation } from '../logging/correlation-context';
import { QueueUnavailableError, withTimeout } from './jobs.errors';
import { RedisConnectionFactory } from '../redis/redis-connection.factory';
import { bullDefaultJobOptions, PRIORITY_TIERS, PriorityTier, WORK_QUEUE_DEFINITIONS } from './queues';
import { JobInput, JobName, validatePayload, WORK_QUEUES, WorkQueueName } from './types';
import { PayloadSealer } from './sealing/payload-sealer';
import { PayloadKeyError } from './sealing/payload-key.errors';

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
    private readonly sealer: PayloadSealer,
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
    if (options.idempotencyKey) opts.jobId = idempotentJobId(payload.organizationId, options.idempotencyKey);
    if (options.priority) opts.priority = PRIORITY_TIERS[options.priority];
    if (options.delayMs) opts.delay = options.delayMs;

    const q = this.queues[queue];
    const sealed = await this.sealed(queue, payload);
    const job = await this.withRedis(queue, async () => {
      const added = await q.add(name, sealed, opts);
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
    if (!job || job.data?.organizationId !== organizationId) return null;
    return {
      id: job.id!,
      queue,
      name: job.name,
      state,
      attemptsMade: job.attemptsMade,
      progress: job.progress,
      result: await this.openResult(queue, job.returnvalue),
      failedReason: job.failedReason || null,
      createdAt: new Date(job.timestamp).toISOString(),
      processedAt: iso(job.processedOn),
      finishedAt: iso(job.finishedOn),
    };
  }

  // --- payload sealing (docs/payload-encryption.md) ---
  /** Only the tenant and correlation id reach Redis in clear. No key (database down): 503, like Redis down. */
  private async sealed(queue: WorkQueueName, payload: { organizationId: string; correlationId?: string }) {
    try {
      return await this.sealer.seal(payload);
    } catch (err) {
      throw new QueueUnavailableError(queue, `payload key unavailable: ${(err as Error).message}`);
    }
  }

  /** The tenant reads its own result; one whose key was destroyed reads as null. */
  private async openResult(queue: WorkQueueName, value: unknown): Promise<unknown> {
    try {
      return (await this.sealer.open(value)) ?? null;
    } catch (err) {
      if (err instanceof PayloadKeyError) return null;
      throw new QueueUnavailableError(queue, `payload key unavailable: ${(err as Error).message}`);
    }
  }
  // --- end payload sealing ---

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
