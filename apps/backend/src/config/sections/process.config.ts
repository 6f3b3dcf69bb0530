import { z } from 'zod';
import { int, list } from '../fields';
import { DATA_DIR, NODE_ENV } from '../shared-variables';

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];

/** Queues a worker process may consume; kept literal here so config has no dependency on Nest modules. */
export const WORKER_QUEUE_NAMES = ['ai-processing', 'email', 'indexing'] as const;
export type WorkerQueueName = (typeof WORKER_QUEUE_NAMES)[number];

const WORKER_QUEUES = z
  .string()
  .default(WORKER_QUEUE_NAMES.join(','))
  .transform((raw, ctx) => {
    const names = list(raw);
    const unknown = names.filter((n) => !(WORKER_QUEUE_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown queue(s) ${unknown.join(', ') || '(none given)'}; allowed: ${WORKER_QUEUE_NAMES.join(', ')}`,
      });
      return z.NEVER;
    }
    return [...new Set(names)] as WorkerQueueName[];
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
  })
  .transform((e) => ({
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    role: e.APP_ROLE,
    workerQueues: e.WORKER_QUEUES,
    /** APP_ROLE=all: cut worker concurrency while requests are served and the event loop is later than this (0: never). */
    workerYield: { lagMs: e.WORKER_YIELD_LAG_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  }));
