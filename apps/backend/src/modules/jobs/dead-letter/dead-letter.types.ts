import type { WorkQueueName } from '../types';

export const DEAD_LETTER_STATUSES = ['pending', 'replayed', 'dismissed'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

export interface AttemptRecord {
  attempt: number;
  startedAt: string | null;
  failedAt: string;
  error: string;
}

/** What a dead-letter entry stores (the data of a job in the `dead-letter` queue). */
export interface DeadLetterEntryData {
  sourceQueue: WorkQueueName;
  jobId: string;
  name: string;
  data: unknown;
  failedReason: string;
  stacktrace: string[];
  attemptsMade: number;
  attempts: AttemptRecord[];
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  failedAt: string;
  organizationId: string | null;
  correlationId: string | null;
  status: DeadLetterStatus;
  replayedJobId?: string;
  replayedAt?: string;
  /** Set when the operator changed the payload before replaying (the entry keeps the original). */
  replayedWithEditedData?: boolean;
  dismissedAt?: string;
  /** BullMQ priority of the original job, kept for replays. */
  priority?: number;
}

export interface DeadLetterItem {
  id: string;
  queue: WorkQueueName;
  jobId: string;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  failedAt: string;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  organizationId: string | null;
  correlationId: string | null;
  status: DeadLetterStatus;
  replayedJobId: string | null;
}

export interface DeadLetterDetail extends DeadLetterItem {
  stacktrace: string[];
  attempts: AttemptRecord[];
  replayedAt: string | null;
  replayedWithEditedData: boolean;
  dismissedAt: string | null;
}

export interface DeadLetterFilter {
  queue?: WorkQueueName;
  organizationId?: string;
  status?: DeadLetterStatus;
  /** Case-insensitive text the failure reason contains. */
  reason?: string;
  /**
   * Match `reason` against the reason as viewers are shown it (addresses masked), not as stored:
   * otherwise a viewer could recover a masked address one character at a time.
   */
  reasonAsRedacted?: boolean;
}
