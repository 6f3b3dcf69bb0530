import { z } from 'zod';
import { int, list } from '../fields';
import { DATA_DIR, NODE_ENV } from '../shared-variables';

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];

/**
 * WORKER_QUEUES: the queues a worker process consumes; unset means every work queue. Config does not
 * know the queue names: the job platform checks these against its queue declarations.
 */
const WORKER_QUEUES = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined) return null;
    const names = [...new Set(list(raw))];
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must name at least one queue' });
      return z.NEVER;
    }
    return names;
  });

/** The process itself: what it runs and how it stops. Its fields sit at the top level of AppConfig. */
export const processSection = z
  .object({
    NODE_ENV,
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { error: 'must be one of fatal, error, warn, info, debug, trace' })
      .default('info'),
    DATA_DIR,
    APP_ROLE: z.enum(APP_ROLES, { error: `must be one of ${APP_ROLES.join(', ')}` }).default('all'),
    WORKER_QUEUES,
    SHUTDOWN_TIMEOUT_MS: int(0, 3_600_000).default(30_000),
    WORKER_YIELD_LAG_MS: int(0, 1_000).default(5),
    // A queue with jobs ready whose worker here starts none for this long is wedged (readiness 503, then recovery).
    WORKER_STALL_TIMEOUT_MS: int(1_000, 3_600_000).default(20_000),
    WORKER_WATCHDOG_INTERVAL_MS: int(100, 60_000).default(5_000),
  })
  .transform((e) => ({
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    role: e.APP_ROLE,
    /** Non-empty and de-duplicated; null: every work queue. */
    workerQueues: e.WORKER_QUEUES,
    /** APP_ROLE=all: cut worker concurrency while requests are served and the event loop is later than this (0: never). */
    workerYield: { lagMs: e.WORKER_YIELD_LAG_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    workerWatchdog: { stallTimeoutMs: e.WORKER_STALL_TIMEOUT_MS, intervalMs: e.WORKER_WATCHDOG_INTERVAL_MS },
  }));
