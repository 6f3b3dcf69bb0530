import type { Job } from 'bullmq';

/** What long jobs (exports, reindexing) report as their progress. */
export interface RowProgress {
  rows: number;
  total: number;
  percent: number;
}

/** About four updates a second at most, and one at least every second while the job runs. */
const MIN_GAP_MS = 250;
// Below a second by a timer tick (250 ms), so that timer drift never makes the gap a second.
const MAX_GAP_MS = 700;

/**
 * Reports a long job's progress to BullMQ (`job.updateProgress`, which QueueEvents and the
 * job's SSE stream relay) without a Redis write per row: `set` only records, a timer sends. The
 * timer also sends an unchanged value when a second has passed, so a watcher can tell a slow batch
 * from a dead job. One update is in flight at a time; a failed update is retried by the next tick.
 */
export class JobProgressReporter {
  private current: RowProgress = { rows: 0, total: 0, percent: 0 };
  private lastSentAt = 0;
  private sentRows = -1;
  private sending?: Promise<void>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly job: Pick<Job, 'updateProgress'>,
    total: number,
    /** The percent a finished pass reaches (a job with a second pass keeps the rest for it). */
    private readonly ceiling = 100,
  ) {
    this.current = { rows: 0, total, percent: 0 };
    this.timer = setInterval(() => this.tick(), MIN_GAP_MS);
    this.timer.unref();
    this.tick();
  }

  set(rows: number, total = this.current.total): void {
    const percent = total > 0 ? Math.min(this.ceiling, Math.floor((rows / total) * this.ceiling)) : 0;
    this.current = { rows, total, percent };
  }

  /** Stops the timer and sends the last value (`percent` given: e.g. 100 at the very end). */
  async finish(percent?: number): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
    if (percent !== undefined) this.current = { ...this.current, percent };
    await this.job.updateProgress({ ...this.current });
  }

  /** Stops the timer without a last update (the job failed or was cancelled). */
  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.sending) return;
    const now = Date.now();
    const changed = this.current.rows !== this.sentRows;
    if (!(changed && now - this.lastSentAt >= MIN_GAP_MS) && now - this.lastSentAt < MAX_GAP_MS) return;
    const value = { ...this.current };
    this.lastSentAt = now;
    this.sending = this.job
      .updateProgress(value)
      .then(
        () => void (this.sentRows = value.rows),
        () => undefined,
      )
      .finally(() => (this.sending = undefined));
  }
}
