import type { Logger } from '@nestjs/common';
import { withTimeout } from '../jobs.errors';

const RETRY_MS = [1_000, 5_000, 15_000, 30_000];
/** How long the start waits for a task: a queue call waits for Redis however long it is away. */
const BOOT_WAIT_MS = 5_000;

/**
 * Work a process does once when it starts and that needs Redis (setting job schedulers). It is
 * tried before the process is ready, for at most BOOT_WAIT_MS; with Redis away the start goes on
 * and the task finishes in the background once Redis answers. A try that fails is tried again
 * after 1, 5, 15, then every 30 s, until it succeeds or the process stops.
 */
export class StartupTask {
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    /** What it does, for the log: "reconcile the tenant schedules". */
    private readonly what: string,
    private readonly run: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await withTimeout(this.attempt(0), BOOT_WAIT_MS, () => new Error(`not done within ${BOOT_WAIT_MS} ms`)).catch((err: Error) =>
      this.logger.warn(`${this.what}: ${err.message} (Redis away?): starting; it completes once Redis answers`),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async attempt(n: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.run();
    } catch (err) {
      const delay = RETRY_MS[Math.min(n, RETRY_MS.length - 1)];
      this.logger.error(`could not ${this.what} (retrying in ${delay} ms): ${(err as Error).message}`);
      this.retry = setTimeout(() => void this.attempt(n + 1), delay);
      this.retry.unref();
    }
  }
}
