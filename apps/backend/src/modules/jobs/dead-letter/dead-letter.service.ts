import { InjectQueue } from '@nestjs/bullmq';
import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { jobLogFields } from '../../logging/job-log-fields';
import { scrubEmails } from '../../logging/redaction';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { BullQueues } from '../bull-queues';
import { JobDeadLetteredEvent } from './job-dead-lettered.event';
import { JobsService } from '../jobs.service';
import { PayloadSealer } from '../sealing/payload-sealer';
import { DEAD_LETTER_QUEUE_NAME, PRIORITY_TIERS } from '../queues';
import { bandStart, tierOfPriority } from '../fairness/fair-order';
import { JobValidationError, validatePayload, WORK_QUEUES, WorkQueueName } from '../types';
import type { AttemptRecord, DeadLetterDetail, DeadLetterEntryData, DeadLetterFilter, DeadLetterItem } from './dead-letter.types';

const MAX_STACK_LINES = 12;
const MAX_STACKS = 3;

/** Entry id for a failed job: the same failure always maps to the same entry, whichever process sees it. */
export const deadLetterEntryId = (queue: WorkQueueName, jobId: string) => `${queue}-${jobId}`;
export const replayJobId = (entryId: string) => `replay-${entryId}`;

/** The job a chain of replays started from (a replay's id wraps its entry's, which wraps the job's). */
export function originalJobId(queue: WorkQueueName, jobId: string): string {
  const prefix = replayJobId(deadLetterEntryId(queue, ''));
  let id = jobId;
  while (id.startsWith(prefix) && id.length > prefix.length) id = id.slice(prefix.length);
  return id;
}

/** Payload fields that say whose job it is: an edit may never change them. */
const TENANCY_FIELDS = ['organizationId'] as const;

/**
 * The payload an edit-and-replay would run: the operator's data, validated against the job
 * type's schema, with every tenancy field as the failed job had it. A replay fixes a job; it never
 * moves it to another tenant (the job would write that tenant's data while the entry, its audit
 * row and its log lines name the first one).
 */
export function editedReplayPayload(
  entry: { queue: WorkQueueName; name: string; data: unknown },
  edited: unknown,
): Record<string, unknown> {
  const payload = validatePayload<Record<string, unknown>>(entry.queue, entry.name, edited);
  const original = (entry.data ?? {}) as Record<string, unknown>;
  const changed = TENANCY_FIELDS.filter((f) => payload[f] !== original[f]);
  if (changed.length) {
    throw new JobValidationError(
      changed.map((field) => ({
        field,
        message: `must stay ${JSON.stringify(original[field] ?? null)}: a replay cannot move a job to another organization`,
      })),
    );
  }
  return payload;
}

export interface DeadLetterSummary {
  total: number;
  byQueue: Partial<Record<WorkQueueName, number>>;
  /** ISO time of the oldest pending failure; null when nothing is pending. */
  oldestFailedAt: string | null;
  topReasons: { reason: string; count: number }[];
}

export interface ReplayResult {
  id: string;
  jobId: string;
  alreadyReplayed: boolean;
}

export interface DismissResult {
  id: string;
  /** False when the entry was no longer pending (already replayed or dismissed). */
  dismissed: boolean;
}

const ENTRY_LOCK_MS = 15_000;
const LOCK_WAIT_MS = 3_000;

/**
 * Dead letters are jobs in the `dead-letter` queue that nothing consumes. They stay until an
 * operator replays or dismisses them; both keep the entry (as a record, and so that the same
 * failure is never filed twice) and only change its status.
 */
@Injectable()
export class DeadLetterService {
  private readonly logger = new Logger(DeadLetterService.name);

  constructor(
    @InjectQueue(DEAD_LETTER_QUEUE_NAME) private readonly dlq: Queue<DeadLetterEntryData>,
    private readonly jobs: JobsService,
    private readonly queues: BullQueues,
    private readonly events: EventEmitter2,
    private readonly sealer: PayloadSealer,
  ) {}

  /** Files a job that failed for good. Idempotent: a second call for the same job adds nothing. */
  async record(queue: WorkQueueName, job: Job, failedReason?: string): Promise<string> {
    const id = deadLetterEntryId(queue, job.id!);
    const attempts = await this.attemptHistory(queue, job.id!);
    const tags = job.data as { organizationId?: unknown; correlationId?: unknown } | null | undefined;
    const entry: DeadLetterEntryData = {
      sourceQueue: queue,
      jobId: job.id!,
      name: job.name,
      data: job.data,
      failedReason: failedReason || job.failedReason || 'unknown failure',
      stacktrace: (job.stacktrace ?? []).slice(-MAX_STACKS).map(trimStack),
      attemptsMade: job.attemptsMade,
      attempts,
      firstAttemptAt: attempts[0]?.startedAt ?? iso(job.processedOn),
      lastAttemptAt: iso(job.processedOn),
      failedAt: iso(job.finishedOn) ?? new Date().toISOString(),
      organizationId: typeof tags?.organizationId === 'string' ? tags.organizationId : null,
      correlationId: typeof tags?.correlationId === 'string' ? tags.correlationId : null,
      status: 'pending',
      priority: job.opts.priority || undefined,
    };
    await this.dlq.add(job.name, entry, { jobId: id });
    // add() is a no-op for an existing id: index the entry only if it is (still) pending.
    const stored = await this.dlq.getJob(id);
    if (stored?.data.status === 'pending') await (await this.redis()).sadd(this.pendingKey(queue), id);
    this.logger.warn({ msg: `dead letter ${id} filed for ${queue} job ${job.id} (${job.name})`, deadLetterId: id, ...jobLogFields(job) });
    try {
      await this.events.emitAsync(JobDeadLetteredEvent.eventName, new JobDeadLetteredEvent(queue, job, entry.failedReason));
    } catch (err) {
      this.logger.error(`a listener of ${JobDeadLetteredEvent.eventName} failed for ${id}: ${(err as Error).message}`);
    }
    return id;
  }

  async has(queue: WorkQueueName, jobId: string): Promise<boolean> {
    return (await this.dlq.getJob(deadLetterEntryId(queue, jobId))) !== undefined;
  }

  async list(filter: DeadLetterFilter, offset: number, limit: number): Promise<{ total: number; items: DeadLetterItem[] }> {
    const matching = await this.matching(filter);
    return { total: matching.length, items: matching.slice(offset, offset + limit).map(toItem) };
  }

  async get(id: string): Promise<DeadLetterDetail | null> {
    const job = await this.dlq.getJob(id);
    return job ? toDetail(job) : null;
  }

  /**
   * Re-enqueues the failed job on its source queue. With `data`, the operator's edited payload is
   * replayed instead, after validation against the job type's schema and a check that its tenancy
   * fields are unchanged (JobValidationError if not).
   * A dismissed entry can still be replayed; a replayed one is not replayed twice.
   */
  async replay(id: string, options: { data?: unknown } = {}): Promise<ReplayResult | null> {
    return this.withEntryLock(id, async () => {
      const entry = await this.dlq.getJob(id);
      if (!entry) return null;
      const d = entry.data;
      const newJobId = replayJobId(id);
      if (d.status === 'replayed') return { id, jobId: d.replayedJobId ?? newJobId, alreadyReplayed: true };
      const edited = options.data !== undefined;
      // The stored payload is replayed sealed as it is; an edited one is checked (tenancy kept) and sealed like any new job.
      const data = edited
        ? await this.sealer.seal(
            editedReplayPayload({ queue: d.sourceQueue, name: d.name, data: d.data }, options.data) as { organizationId: string },
          )
        : d.data;
      // The deterministic job id makes concurrent replays of one entry add a single job.
      await this.jobs.queue(d.sourceQueue).add(d.name, data, {
        jobId: newJobId,
        ...(d.priority ? { priority: this.replayPriority(d.sourceQueue, d.priority) } : {}),
      });
      await entry.updateData({
        ...d,
        status: 'replayed',
        replayedJobId: newJobId,
        replayedAt: new Date().toISOString(),
        ...(edited ? { replayedWithEditedData: true } : {}),
      });
      await (await this.redis()).srem(this.pendingKey(d.sourceQueue), id);
      this.logger.log({
        msg: `dead letter ${id} replayed as ${d.sourceQueue} job ${newJobId}${edited ? ' with edited data' : ''}`,
        deadLetterId: id,
        queue: d.sourceQueue,
        jobId: newJobId,
        organizationId: d.organizationId,
        jobCorrelationId: d.correlationId,
      });
      return { id, jobId: newJobId, alreadyReplayed: false };
    });
  }

  /**
   * A replay goes to the front of its tier: in a fair queue the start of the tier's band (the
   * entry may hold a classic priority, filed before fairness, or a banded one).
   */
  private replayPriority(queue: WorkQueueName, priority: number): number {
    // Classic priorities are 1, 2 and 5; an entry's banded one is its band's start (above 5 but for High's 1).
    const tier = tierOfPriority(priority, priority > PRIORITY_TIERS.low);
    if (!tier) return priority;
    return this.jobs.isFair(queue) ? bandStart(tier) : PRIORITY_TIERS[tier];
  }

  async dismiss(id: string): Promise<DismissResult | null> {
    return this.withEntryLock(id, async () => {
      const entry = await this.dlq.getJob(id);
      if (!entry) return null;
      if (entry.data.status !== 'pending') return { id, dismissed: false };
      await entry.updateData({ ...entry.data, status: 'dismissed', dismissedAt: new Date().toISOString() });
      await (await this.redis()).srem(this.pendingKey(entry.data.sourceQueue), id);
      return { id, dismissed: true };
    });
  }

  /** Ids of the entries matching a filter, newest first (for bulk actions that audit each entry). */
  async matchingIds(filter: DeadLetterFilter): Promise<string[]> {
    return (await this.matching(filter)).map((j) => j.id!);
  }

  /**
   * Entries per source queue still waiting for an operator: one SCARD per queue on a set of
   * pending ids kept beside the entries (metrics read this on every scrape).
   */
  async pendingCounts(): Promise<Record<string, number>> {
    const client = await this.redis();
    const counts = await Promise.all(WORK_QUEUES.map((q) => client.scard(this.pendingKey(q))));
    return Object.fromEntries(WORK_QUEUES.map((q, i) => [q, counts[i]]));
  }

  /**
   * What ops need to know about pending entries, without any payload: counts per source queue,
   * the oldest failure and the most frequent reasons (addresses redacted, so reasons group and
   * recipients stay private).
   */
  async summary(maxReasons = 5): Promise<DeadLetterSummary> {
    const pending = await this.matching({ status: 'pending' });
    const byQueue: Partial<Record<WorkQueueName, number>> = {};
    const reasons = new Map<string, number>();
    let oldestFailedAt: string | null = null;
    for (const { data } of pending) {
      byQueue[data.sourceQueue] = (byQueue[data.sourceQueue] ?? 0) + 1;
      const reason = summarizeReason(data.failedReason);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      if (!oldestFailedAt || data.failedAt < oldestFailedAt) oldestFailedAt = data.failedAt;
    }
    const topReasons = [...reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
      .slice(0, maxReasons);
    return { total: pending.length, byQueue, oldestFailedAt, topReasons };
  }

  /** Newest first. Entries are never processed, so they all sit in the waiting list. */
  private async matching(filter: DeadLetterFilter): Promise<Job<DeadLetterEntryData>[]> {
    const jobs = (await this.dlq.getJobs(['waiting', 'paused', 'prioritized'], 0, -1, false)).filter(Boolean);
    await this.repairPendingIndex(jobs);
    const reason = filter.reason?.toLowerCase();
    const reasonOf = (r: string) => (filter.reasonAsRedacted ? scrubEmails(r) : r).toLowerCase();
    return jobs
      .filter(
        (j) =>
          (!filter.queue || j.data.sourceQueue === filter.queue) &&
          (!filter.organizationId || j.data.organizationId === filter.organizationId) &&
          (!filter.status || j.data.status === filter.status) &&
          (!reason || reasonOf(j.data.failedReason).includes(reason)),
      )
      .sort((a, b) => b.timestamp - a.timestamp);
  }

  /**
   * A process that died between writing an entry and indexing it leaves the index off by one;
   * a full read (the console's list) puts it right. Entries only ever leave `pending`, so
   * removing non-pending ids is always safe.
   */
  private async repairPendingIndex(jobs: Job<DeadLetterEntryData>[]): Promise<void> {
    const client = await this.redis();
    for (const q of WORK_QUEUES) {
      const indexed = new Set(await client.smembers(this.pendingKey(q)));
      const own = jobs.filter((j) => j.data.sourceQueue === q);
      const missing = own.filter((j) => j.data.status === 'pending' && !indexed.has(j.id!)).map((j) => j.id!);
      const stale = own.filter((j) => j.data.status !== 'pending' && indexed.has(j.id!)).map((j) => j.id!);
      if (missing.length) await client.sadd(this.pendingKey(q), ...missing);
      if (stale.length) await client.srem(this.pendingKey(q), ...stale);
    }
  }

  /** The queue's own ioredis connection; BullMQ types it narrowly, as the few commands it uses. */
  private async redis(): Promise<IORedis> {
    return (await this.dlq.client) as unknown as IORedis;
  }

  private pendingKey(queue: WorkQueueName): string {
    // Beside the queue's own keys; entry ids start with a queue name, so this never collides with one.
    return `${this.dlq.keys['']}index:pending:${queue}`;
  }

  /** Replay and dismiss of one entry exclude each other (two operators, or a bulk action and a click). */
  private async withEntryLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.redis();
    const key = `${this.dlq.keys['']}lock:${id}`;
    const token = randomUUID();
    // Concurrent requests for one entry queue up briefly (the second then finds it done).
    const deadline = Date.now() + LOCK_WAIT_MS;
    while ((await client.set(key, token, 'PX', ENTRY_LOCK_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new ConflictException(`dead-letter entry ${id} is being changed by another request; try again`);
      await new Promise((r) => setTimeout(r, 20));
    }
    try {
      return await fn();
    } finally {
      if ((await client.get(key)) === token) await client.del(key);
    }
  }

  private async attemptHistory(queue: WorkQueueName, jobId: string): Promise<AttemptRecord[]> {
    const { logs } = await this.queues.get(queue).getJobLogs(jobId, 0, 99, true);
    return logs.flatMap((line) => {
      try {
        const rec = JSON.parse(line) as AttemptRecord;
        return typeof rec.attempt === 'number' ? [rec] : [];
      } catch {
        return [];
      }
    });
  }
}

const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);

const MAX_REASON_LENGTH = 200;

function summarizeReason(reason: string): string {
  const oneLine = reason
    .replace(/[^\s<>@]+@[^\s<>@]+/g, '<address>')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > MAX_REASON_LENGTH ? `${oneLine.slice(0, MAX_REASON_LENGTH - 1)}…` : oneLine || 'unknown failure';
}

function trimStack(stack: string): string {
  return stack.split('\n').slice(0, MAX_STACK_LINES).join('\n');
}

function toItem(job: Job<DeadLetterEntryData>): DeadLetterItem {
  const d = job.data;
  return {
    id: job.id!,
    queue: d.sourceQueue,
    jobId: d.jobId,
    name: d.name,
    data: d.data,
    failedReason: d.failedReason,
    attemptsMade: d.attemptsMade,
    failedAt: d.failedAt,
    firstAttemptAt: d.firstAttemptAt,
    lastAttemptAt: d.lastAttemptAt,
    organizationId: d.organizationId,
    correlationId: d.correlationId,
    status: d.status,
    replayedJobId: d.replayedJobId ?? null,
  };
}

function toDetail(job: Job<DeadLetterEntryData>): DeadLetterDetail {
  const d = job.data;
  return {
    ...toItem(job),
    stacktrace: d.stacktrace,
    attempts: d.attempts,
    replayedAt: d.replayedAt ?? null,
    replayedWithEditedData: d.replayedWithEditedData ?? false,
    dismissedAt: d.dismissedAt ?? null,
  };
}
