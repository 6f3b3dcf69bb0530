import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { jobContext } from '../../logging/job-context.worker';
import { JobsService } from '../jobs.service';
import { DEAD_LETTER_QUEUE_NAME } from '../queues';
import type { WorkQueueName } from '../types';
import type {
  AttemptRecord,
  DeadLetterDetail,
  DeadLetterEntryData,
  DeadLetterFilter,
  DeadLetterItem,
} from './dead-letter.types';

const MAX_STACK_LINES = 12;
const MAX_STACKS = 3;

/** Entry id for a failed job: the same failure always maps to the same entry, whichever process sees it. */
export const deadLetterEntryId = (queue: WorkQueueName, jobId: string) => `${queue}-${jobId}`;
export const replayJobId = (entryId: string) => `replay-${entryId}`;

export interface ReplayResult {
  id: string;
  jobId: string;
  alreadyReplayed: boolean;
}

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
  ) {}

  /** Files a job that failed for good. Idempotent: a second call for the same job adds nothing. */
  async record(queue: WorkQueueName, job: Job, failedReason?: string): Promise<string> {
    const id = deadLetterEntryId(queue, job.id!);
    const attempts = await this.attemptHistory(queue, job.id!);
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
      organizationId: typeof job.data?.organizationId === 'string' ? job.data.organizationId : null,
      correlationId: typeof job.data?.correlationId === 'string' ? job.data.correlationId : null,
      status: 'pending',
      priority: job.opts.priority || undefined,
    };
    await this.dlq.add(job.name, entry, { jobId: id });
    this.logger.warn({ msg: `dead letter ${id} filed for ${queue} job ${job.id} (${job.name})`, deadLetterId: id, ...jobContext(queue, job) });
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

  async replay(id: string): Promise<ReplayResult | null> {
    const entry = await this.dlq.getJob(id);
    if (!entry) return null;
    const d = entry.data;
    const newJobId = replayJobId(id);
    if (d.status === 'replayed') return { id, jobId: d.replayedJobId ?? newJobId, alreadyReplayed: true };
    // The deterministic job id makes concurrent replays of one entry add a single job.
    await this.jobs.queue(d.sourceQueue).add(d.name, d.data, {
      jobId: newJobId,
      ...(d.priority ? { priority: d.priority } : {}),
    });
    await entry.updateData({ ...d, status: 'replayed', replayedJobId: newJobId, replayedAt: new Date().toISOString() });
    this.logger.log(`dead letter ${id} replayed as ${d.sourceQueue} job ${newJobId}`);
    return { id, jobId: newJobId, alreadyReplayed: false };
  }

  async dismiss(id: string): Promise<boolean> {
    const entry = await this.dlq.getJob(id);
    if (!entry) return false;
    if (entry.data.status === 'pending') {
      await entry.updateData({ ...entry.data, status: 'dismissed', dismissedAt: new Date().toISOString() });
    }
    return true;
  }

  async replayMatching(filter: DeadLetterFilter): Promise<{ replayed: number }> {
    let replayed = 0;
    for (const job of await this.matching({ ...filter, status: 'pending' })) {
      const result = await this.replay(job.id!);
      if (result && !result.alreadyReplayed) replayed++;
    }
    return { replayed };
  }

  async dismissMatching(filter: DeadLetterFilter): Promise<{ dismissed: number }> {
    let dismissed = 0;
    for (const job of await this.matching({ ...filter, status: 'pending' })) {
      if (await this.dismiss(job.id!)) dismissed++;
    }
    return { dismissed };
  }

  /** Entries per source queue still waiting for an operator. */
  async pendingCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const job of await this.matching({ status: 'pending' })) {
      counts[job.data.sourceQueue] = (counts[job.data.sourceQueue] ?? 0) + 1;
    }
    return counts;
  }

  /** Newest first. Entries are never processed, so they all sit in the waiting list. */
  private async matching(filter: DeadLetterFilter): Promise<Job<DeadLetterEntryData>[]> {
    const jobs = (await this.dlq.getJobs(['waiting', 'paused', 'prioritized'], 0, -1, false)).filter(Boolean);
    return jobs
      .filter(
        (j) =>
          (!filter.queue || j.data.sourceQueue === filter.queue) &&
          (!filter.organizationId || j.data.organizationId === filter.organizationId) &&
          (!filter.status || j.data.status === filter.status),
      )
      .sort((a, b) => b.timestamp - a.timestamp);
  }

  private async attemptHistory(queue: WorkQueueName, jobId: string): Promise<AttemptRecord[]> {
    const { logs } = await this.jobs.queue(queue).getJobLogs(jobId, 0, 99, true);
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
    dismissedAt: d.dismissedAt ?? null,
  };
}
