import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, JobsOptions, JobState, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { withCorrelation } from '../logging/correlation-context';
import { QueueUnavailableError, TenantBackpressureError, withTimeout } from './jobs.errors';
import { IdempotencyConflictError, idempotentJobId, IdempotencyRecord, IdempotencyScope, parseRecord, requestHash } from './idempotency';
import { CANCEL_MARKER_TTL_SECONDS, cancelChannel, CancelMarker, cancelMarkerKey } from './cancellation/job-cancellation';
import { JobCancellationsRepository } from './cancellation/job-cancellations.repository';
import { RedisClient, RedisConnectionFactory } from '../redis/redis-connection.factory';
import { PRIORITY_TIERS, PriorityTier, queuePrefix, WORK_QUEUE_DEFINITIONS } from './queues';
import { JobInput, JobName, validatePayload, WORK_QUEUES, WorkQueueName } from './types';
import { PayloadSealer } from './sealing/payload-sealer';
import { PendingCapBudget } from './fairness/pending-cap-budget';
import { REPEAT_SETTINGS } from './queues/repeat-strategy';
import { PayloadKeyError } from './sealing/payload-key.errors';
import {
  bandStart,
  FAIR_ADMIT,
  FAIR_PENDING,
  FAIR_PENDING_ALL,
  FAIR_TAG,
  fairDefaultJobOptions,
  fairKeys,
  isFairQueue,
  tierIndex,
  tierOfPriority,
} from './fairness/fair-order';
import { TenantWeights } from './fairness/tenant-weights';
import { ReplicaWaiter, SHORT_OF_REPLICAS_PAUSE_MS } from './replica-wait';

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
  /**
   * Past the tenant's pending cap anyway: for the outbox relay, whose rows were admitted when their
   * write was (a committed write's jobs are never refused).
   */
  bypassPendingCap?: boolean;
}

/** Whom an add is for, and in which tier: what the fair order needs to place it. */
interface FairAdd {
  organizationId: string;
  tier: PriorityTier;
  bypassPendingCap: boolean;
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
  private readonly logger = new Logger(JobsService.name);
  /** Case writes far below a tenant's pending cap are admitted without a count for this long (docs/fairness.md). */
  private readonly pendingBudget = new PendingCapBudget(500);
  private readonly queues: Record<WorkQueueName, Queue>;
  private readonly producer: RedisClient;
  private readonly replicaWaiter: ReplicaWaiter;

  /**
   * Producer queues of their own, on the fail-fast producer connection (workers and the dashboard
   * use connections that wait out Redis outages instead), with the same default job options.
   */
  constructor(
    redis: RedisConnectionFactory,
    @InjectConfig() private readonly config: AppConfig,
    private readonly cancellations: JobCancellationsRepository,
    private readonly sealer: PayloadSealer,
    private readonly weights: TenantWeights,
  ) {
    const connection = redis.producer();
    this.producer = connection;
    this.replicaWaiter = new ReplicaWaiter(config.redis.waitAfterEnqueue.replicas, config.redis.waitAfterEnqueue.timeoutMs);
    const open = (name: WorkQueueName) =>
      new Queue(name, {
        connection,
        prefix: queuePrefix(config.queue.prefix, name),
        defaultJobOptions: fairDefaultJobOptions(WORK_QUEUE_DEFINITIONS[name], config.fairness.enabled),
        settings: REPEAT_SETTINGS,
      });
    this.queues = Object.fromEntries(WORK_QUEUES.map((name) => [name, open(name)])) as Record<WorkQueueName, Queue>;
    // A connection error with no listener would be thrown as an unhandled 'error' event (a Cluster
    // ended at shutdown, a refused password): each call already answers 503 for its own failure.
    for (const q of Object.values(this.queues)) q.on('error', (err) => this.logger.debug(`producer queue ${q.name}: ${err.message}`));
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
    const tier = options.priority ?? tierOfPriority(WORK_QUEUE_DEFINITIONS[queue].defaultJobOptions.priority, false)!;
    const fair = this.isFair(queue);
    // Always a priority: without one BullMQ would take the job before every prioritized (High) job.
    // In a fair queue the add stores the band's start and FAIR_TAG moves the job to its place.
    opts.priority = fair ? bandStart(tier) : PRIORITY_TIERS[tier];
    if (options.delayMs) opts.delay = options.delayMs;
    const to: FairAdd | null = fair
      ? { organizationId: payload.organizationId, tier, bypassPendingCap: options.bypassPendingCap ?? false }
      : null;
    let enqueued: EnqueuedJob;
    if (!options.idempotencyKey) {
      const { job } = await this.addGuarded(queue, name, await this.sealed(queue, payload), opts, to);
      enqueued = { id: job.id!, queue, name, state: initialState(job) };
    } else {
      enqueued = await this.enqueueOnce(queue, name, payload, opts, options.idempotencyKey, options.idempotencyScope ?? 'system', to);
    }
    if (tier === 'high') await this.replicated(queue, enqueued.id);
    return enqueued;
  }

  /** Whether the queue orders jobs by tenant within each tier (docs/fairness.md). */
  isFair(queue: WorkQueueName): boolean {
    return isFairQueue(WORK_QUEUE_DEFINITIONS[queue], this.config.fairness.enabled);
  }

  /**
   * Before a write that stages `count` jobs in the outbox, or a request that enqueues several:
   * refuses (TenantBackpressureError) when they would take the tenant past its pending cap, so the
   * write or request is refused whole. Fails open: a Redis that does not answer must not refuse
   * writes the outbox exists to keep (the enqueue itself then answers 503).
   */
  async admitUpTo(queue: WorkQueueName, organizationId: string, count = 1): Promise<void> {
    const cap = this.weights.maxPendingOf(organizationId);
    if (!this.isFair(queue) || cap === 0) return;
    const q = this.queues[queue];
    const budgetKey = `${queue}\u0000${organizationId}`;
    if (this.pendingBudget.take(budgetKey, count)) return;
    const k = fairKeys(q);
    const pending = await this.withRedis(queue, (client) =>
      client.eval(FAIR_PENDING, 5, q.keys.prioritized, k.state, ...k.tags, organizationId, String(this.weights.of(organizationId))),
    ).then(Number, (err: Error) => {
      this.logger.warn(`pending cap not checked for ${queue} (${err.message}): admitted`);
      return undefined;
    });
    if (pending === undefined) return;
    if (pending + count > cap) throw this.backpressure(queue, organizationId, pending);
    this.pendingBudget.counted(budgetKey, pending, count, cap);
  }

  /** Each tenant with jobs waiting on a fair queue, and how many, most first. */
  async pendingByTenant(queue: WorkQueueName): Promise<{ organizationId: string; pending: number }[]> {
    if (!this.isFair(queue)) return [];
    const q = this.queues[queue];
    const k = fairKeys(q);
    const weights = [...this.weights.overrides()].flatMap(([org, w]) => [org, String(w)]);
    const flat = (await this.withRedis(queue, (client) =>
      client.eval(FAIR_PENDING_ALL, 5, q.keys.prioritized, k.state, ...k.tags, ...weights),
    )) as (string | number)[];
    const out: { organizationId: string; pending: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ organizationId: String(flat[i]), pending: Number(flat[i + 1]) });
    return out.sort((a, b) => b.pending - a.pending || a.organizationId.localeCompare(b.organizationId));
  }

  private backpressure(queue: WorkQueueName, organizationId: string, pending: number): TenantBackpressureError {
    const limit = this.weights.maxPendingOf(organizationId);
    return new TenantBackpressureError(queue, organizationId, pending, limit, this.config.fairness.retryAfterSeconds);
  }

  /**
   * REDIS_WAIT_REPLICAS: a High-tier job is answered once that many replicas have it, so a failover
   * right after the answer keeps it. The job is stored whatever WAIT says: fewer replicas in time is
   * logged, never an error (a 503 would tell the caller to retry a job that exists).
   */
  private async replicated(queue: WorkQueueName, id: string): Promise<void> {
    const { replicas, timeoutMs } = this.config.redis.waitAfterEnqueue;
    if (replicas === 0) return;
    try {
      const wait = await this.replicaWaiter.afterWrite(this.producer, this.queues[queue].keys.id);
      if ('skipped' in wait) return;
      if (wait.firstShort) {
        this.logger.warn(
          `${queue} job ${id} (High) stored; ${wait.acked} of ${replicas} replica(s) had it within ${timeoutMs} ms: ` +
            `its Redis node is short of replicas, High jobs there are answered without WAIT for ${SHORT_OF_REPLICAS_PAUSE_MS} ms at a time until it has them`,
        );
      } else if (wait.recovered) {
        this.logger.log(`${queue}: its Redis node has ${wait.acked} replica(s) again; High jobs wait for them`);
      }
    } catch (err) {
      this.logger.warn(`${queue} job ${id} (High) stored; WAIT failed: ${(err as Error).message}`);
    }
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
    to: FairAdd | null,
  ): Promise<EnqueuedJob> {
    const q = this.queues[queue];
    const jobId = idempotentJobId(payload.organizationId, key, scope);
    const recordKey = `${q.keys['']}idempotency:${jobId}`;
    const asked = requestHash(name, payload);
    /** `justAdded`: the job this call stored, whose state is known without asking. */
    const answer = async (record: IdempotencyRecord, justAdded?: Job): Promise<EnqueuedJob> => {
      if (record.requestHash !== asked) throw new IdempotencyConflictError(key, record);
      if (justAdded) return { id: record.jobId, queue, name: record.name, state: initialState(justAdded) };
      // The job is stored by now: a failed look-up must not turn into a 503 (which says "not stored").
      const state = await this.withRedis(queue, () => q.getJobState(record.jobId)).catch((): 'unknown' => 'unknown');
      return { id: record.jobId, queue, name: record.name, state };
    };
    // The queue's own ioredis connection; BullMQ types it narrowly, as the few commands it uses.
    const client = (await this.withRedis(queue, () => q.client)) as unknown as IORedis;
    const existing = parseRecord(await this.withRedis(queue, () => client.get(recordKey)));
    if (existing) return answer(existing);

    const added = await this.addGuarded(queue, name, await this.sealed(queue, payload), { ...opts, jobId }, to);
    // add() keeps a job already stored under the id (one whose record expired, or a concurrent
    // request's): the record then describes that job, not this request.
    const stored = added.existed ? await this.withRedis(queue, () => q.getJob(jobId)) : undefined;
    const record: IdempotencyRecord = stored
      ? { jobId, name: stored.name, requestHash: requestHash(stored.name, await this.openStored(queue, stored.data)) }
      : { jobId, name, requestHash: asked };
    const ttl = this.config.queue.idempotencyTtlSeconds;
    const written = await this.withRedis(queue, () => client.set(recordKey, JSON.stringify(record), 'EX', ttl, 'NX'));
    if (written === 'OK') return answer(record, stored ? undefined : added.job);
    return answer(parseRecord(await this.withRedis(queue, () => client.get(recordKey))) ?? record);
  }

  /**
   * One add, refused by Redis when it runs past the enqueue's deadline (addInTime); a late answer is
   * withdrawn. `existed`: a job was stored under opts.jobId before (the add kept it, not this one).
   */
  private addGuarded(
    queue: WorkQueueName,
    name: string,
    payload: object,
    opts: JobsOptions,
    to: FairAdd | null,
  ): Promise<{ job: Job; existed: boolean }> {
    const q = this.queues[queue];
    const started = Date.now();
    return this.withRedis(
      queue,
      (client) => this.addInTime(q, client, name, payload, opts, started, to),
      // Stored in time, but the answer came after the timeout: the caller was told 503.
      (late) => void late.then((a) => (a.existed ? undefined : this.withdraw(q, a.job))).catch(() => undefined),
    );
  }

  /** The job as its tenant sees it; another tenant's job does not exist. */
  async find(queue: WorkQueueName, id: string, organizationId: string): Promise<JobView | null> {
    const q = this.queues[queue];
    // State first, then the job: the other way round, a job finishing in between would show its
    // new state with its old progress and no result.
    const state = await this.withRedis(queue, () => q.getJobState(id));
    const job = await this.withRedis(queue, () => q.getJob(id));
    if (!job) return this.removedByCancel(queue, id, organizationId);
    if ((job.data as { organizationId?: unknown } | undefined)?.organizationId !== organizationId) return null;
    const cancelled = state === 'failed' && (await this.cancelMarker(queue, id)) !== null;
    return {
      id: job.id!,
      queue,
      name: job.name,
      state: cancelled ? 'cancelled' : state,
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

  /** A stored job's payload as its producer sent it, for the idempotency record's request hash. */
  private async openStored(queue: WorkQueueName, data: unknown): Promise<unknown> {
    try {
      return await this.sealer.open(data);
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
    if ((job.data as { organizationId?: unknown } | undefined)?.organizationId !== organizationId) return null;
    const state = await this.withRedis(queue, () => q.getJobState(id));
    const outcome = (s: CancelOutcome['state']): CancelOutcome => ({ id, queue, name: job.name, state: s, previousState: state });
    if (state === 'completed' || state === 'failed') {
      return (await this.cancelMarker(queue, id)) ? { ...outcome('cancelled'), previousState: 'cancelled' } : outcome('finished');
    }
    const marker: CancelMarker = { organizationId, name: job.name, state, at: new Date().toISOString(), createdAt: job.timestamp };
    const key = cancelMarkerKey(queuePrefix(this.config.queue.prefix, queue), queue, id);
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
    const raw = await this.withRedis(queue, () =>
      this.producer.get(cancelMarkerKey(queuePrefix(this.config.queue.prefix, queue), queue, id)),
    );
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
        organizationId: String((job.data as { organizationId?: unknown }).organizationId),
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
   * The add, refused by Redis itself when Redis runs it after the enqueue's deadline, so that a 503
   * is final. A command already written to the socket cannot be taken back: a Redis that stalls
   * (paused, swapping, a slow script) runs it when it resumes, long after the caller was answered
   * 503. So the add travels in a MULTI with a guard that compares Redis's clock with the deadline
   * (this process's deadline in Redis's time, less a margin for the answer's way back) and, when
   * late, makes the job-id counter a non-number for the length of the transaction: every BullMQ
   * add script INCRs it before its first write, so the add fails having written nothing, and the
   * last command puts the counter back. The transaction runs as one: no other client sees the
   * counter changed.
   */
  private async addInTime(
    q: Queue,
    client: IORedis,
    name: string,
    data: object,
    opts: JobsOptions,
    started: number,
    to: FairAdd | null,
  ): Promise<{ job: Job; existed: boolean }> {
    const timeoutMs = this.config.queue.enqueueTimeoutMs;
    const clock = await this.redisClock(client);
    const margin = Math.min(500, Math.floor(timeoutMs / 4));
    const deadline = started + timeoutMs - margin;
    if (Date.now() >= deadline) throw new Error('no time left to send the job');
    const job = new Job(q, name, data, { ...q.defaultJobOptions, ...opts }, opts.jobId);
    const keys = [q.keys.id, q.toKey('id-guard')];
    const redisDeadline = String(Math.floor(deadline + clock.offsetMs - clock.errorMs));
    const weight = to ? String(this.weights.of(to.organizationId)) : '';
    if (to) defineFairCommands(client);
    const multi = client.multi() as FairMulti;
    // In the same transaction: whether a job already had this id (then add() keeps that one).
    multi.exists(q.toKey(opts.jobId ?? '\0none'));
    if (to) {
      // The same guard, which also refuses a tenant at its pending cap; then the add; then the job's tag.
      const cap = to.bypassPendingCap ? 0 : this.weights.maxPendingOf(to.organizationId);
      const k = fairKeys(q);
      multi.ethicoFairAdmit(...keys, q.keys.prioritized, k.state, ...k.tags, redisDeadline, to.organizationId, weight, String(cap));
    } else {
      multi.eval(LATE_GUARD, 2, ...keys, redisDeadline);
    }
    // Queues the add script into the transaction synchronously; its own promise carries nothing.
    job.addJob(multi as never, { parentDependenciesKey: '' }).catch(() => undefined);
    if (to) {
      const k = fairKeys(q);
      const tier = tierIndex(to.tier);
      multi.ethicoFairTag(
        ...keys,
        q.keys.prioritized,
        q.keys.delayed,
        k.state,
        k.tags[tier - 1],
        q.keys[''],
        opts.jobId ?? '',
        to.organizationId,
        weight,
        String(tier),
      );
    } else {
      multi.eval(LATE_RESTORE, 2, ...keys);
    }
    const results = await multi.exec().catch((err: Error) => {
      // Sent, then the connection broke (Redis killed, network cut): Redis may have run it first.
      throw new Error(`${err.message} (the job may have been stored before the connection broke; retry with the same Idempotency-Key)`);
    });
    if (!results || results.length !== 4) throw new Error('the transaction was aborted');
    const [[existsErr, existed], [guardErr, guard], [addErr, id], [restoreErr]] = results;
    if (existsErr || guardErr || restoreErr) throw (existsErr ?? guardErr ?? restoreErr)!;
    // LATE_GUARD answers how late; FAIR_ADMIT {code, value}: 1 late, 2 the tenant at its cap.
    const [code, value] = Array.isArray(guard) ? (guard as number[]) : [guard ? 1 : 0, Number(guard)];
    if (code === 2 && to) throw this.backpressure(q.name as WorkQueueName, to.organizationId, value);
    if (code === 1) throw new Error(`Redis ran the job ${value} ms after the deadline and refused it; it was not stored`);
    if (addErr) throw addErr;
    if (typeof id !== 'string' && !(typeof id === 'number' && id > 0)) throw new Error(`the add script answered ${String(id)}`);
    job.id = String(id);
    return { job, existed: opts.jobId !== undefined && existed === 1 };
  }

  /** Redis's clock minus ours (ms), and the measure's uncertainty; measured again after each reconnect. */
  private clock?: { offsetMs: number; errorMs: number; measuredAt: number };
  private async redisClock(client: IORedis): Promise<{ offsetMs: number; errorMs: number }> {
    if (this.clock && Date.now() - this.clock.measuredAt < 60_000) return this.clock;
    if (!this.clockWatched) {
      this.clockWatched = true;
      client.on('ready', () => (this.clock = undefined));
    }
    const sent = Date.now();
    const [seconds, micros] = await client.time();
    const received = Date.now();
    const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    this.clock = { offsetMs: server - (sent + received) / 2, errorMs: Math.ceil((received - sent) / 2) + 1, measuredAt: received };
    return this.clock;
  }
  private clockWatched = false;

  /**
   * A job stored before the deadline whose answer arrived after it (the way back took longer than
   * the margin): the caller was told 503, so it is removed unless a worker has it already.
   */
  private async withdraw(q: Queue, job: Job): Promise<void> {
    const removed = await q.remove(job.id!).catch(() => 0);
    const what = `job ${q.name}/${job.id} was stored but answered 503 (Redis's answer came after ENQUEUE_TIMEOUT_MS)`;
    if (removed) this.logger.warn(`${what}: removed`);
    else this.logger.error(`${what}: could not be removed (already taken by a worker, or Redis unreachable)`);
  }

  /**
   * Commands are issued only on a ready connection (a command queued while Redis is away would
   * run later, after the caller was told it failed) and are bounded in time. `onLate` receives the
   * answer that lost the race against the timeout.
   */
  private async withRedis<T>(queue: WorkQueueName, fn: (client: IORedis) => Promise<T>, onLate?: (answer: Promise<T>) => void): Promise<T> {
    const timeoutMs = this.config.queue.enqueueTimeoutMs;
    const unavailable = (reason: string) => () => new QueueUnavailableError(queue, reason);
    const client = (await withTimeout(this.queues[queue].client, timeoutMs, unavailable('no connection to Redis'))) as unknown as IORedis;
    if (client.status !== 'ready') throw unavailable(`Redis connection is ${client.status}`)();
    const answer = fn(client).catch((err: Error) => {
      if (err instanceof TenantBackpressureError) throw err;
      // The producer connection rejects rather than retries when Redis goes away mid-command.
      throw unavailable(`Redis error: ${err.message}`)();
    });
    return withTimeout(answer, timeoutMs, () => {
      onLate?.(answer);
      return unavailable(`Redis did not answer within ${timeoutMs} ms; the job will not be stored`)();
    });
  }
}

type FairMulti = ReturnType<IORedis['multi']> & {
  ethicoFairAdmit(...args: string[]): unknown;
  ethicoFairTag(...args: string[]): unknown;
};

/**
 * The fair order's scripts as commands of the connection: ioredis sends each script whole once per
 * socket, then by its SHA (as BullMQ's own scripts), so an enqueue does not carry 3 KB of Lua.
 */
function defineFairCommands(client: IORedis): void {
  if ((client as unknown as Partial<FairMulti>).ethicoFairAdmit) return;
  client.defineCommand('ethicoFairAdmit', { numberOfKeys: 7, lua: FAIR_ADMIT });
  client.defineCommand('ethicoFairTag', { numberOfKeys: 7, lua: FAIR_TAG });
}

/**
 * Late (Redis's TIME after ARGV[1], in ms): saves the job-id counter (KEYS[1]) in KEYS[2] ('' for
 * none) and makes it a non-number, so the add that follows fails at its INCR. Answers how late, or 0.
 */
const LATE_GUARD = `
local t = redis.call('TIME')
local late = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
if late <= 0 then return 0 end
redis.call('SET', KEYS[2], redis.call('GET', KEYS[1]) or '')
redis.call('SET', KEYS[1], 'late')
return late`;

/** Puts back what LATE_GUARD saved, if it saved anything. */
const LATE_RESTORE = `
local saved = redis.call('GET', KEYS[2])
if not saved then return 0 end
if saved == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], saved) end
redis.call('DEL', KEYS[2])
return 1`;

function initialState(job: Job): JobState {
  if (job.opts.delay && job.opts.delay > 0) return 'delayed';
  if (job.opts.priority && job.opts.priority > 0) return 'prioritized';
  return 'waiting';
}
