import { z } from 'zod';
import { bool, int, list, problem } from '../fields';
import { DATA_DIR, NODE_ENV } from '../shared-variables';

const APP_ROLES = ['all', 'api', 'worker'] as const;

/**
 * EMBEDDED: whether `npm start` runs private Redis/PostgreSQL servers for what is not configured.
 * auto: only when nothing answers on the local standard port; always: even then; never: not at all.
 * Read before the configuration is loaded (src/dev/embedded), validated here too so it is documented.
 */
const EMBEDDED_MODES = ['auto', 'always', 'never'] as const;
export const EMBEDDED = z.enum(EMBEDDED_MODES, { error: 'must be auto, always or never' }).default('auto');

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
    // Set by the jest harness for the processes it starts; main.ts refuses NODE_ENV=test without it.
    ETHICO_TEST_HARNESS: bool.default(false),
    // A queue with jobs ready whose worker here starts none for this long is wedged (readiness 503, then recovery).
    WORKER_STALL_TIMEOUT_MS: int(1_000, 3_600_000).default(20_000),
    WORKER_WATCHDOG_INTERVAL_MS: int(100, 60_000).default(5_000),
    EMBEDDED,
  })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV === 'production' && e.EMBEDDED === 'always') {
      problem(ctx, 'EMBEDDED', 'cannot be always when NODE_ENV=production: production names real servers');
    }
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
    /** Started by the test harness: the only place NODE_ENV=test may run. */
    testHarness: e.ETHICO_TEST_HARNESS,
    workerWatchdog: { stallTimeoutMs: e.WORKER_STALL_TIMEOUT_MS, intervalMs: e.WORKER_WATCHDOG_INTERVAL_MS },
  }));
