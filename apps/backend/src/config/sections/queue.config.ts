import { z } from 'zod';
import { int } from '../fields';

export const queueSection = z
  .object({
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, _ and -' })
      .default('ethico'),
    ENQUEUE_TIMEOUT_MS: int(100, 60_000).default(2_000),
    // Independent of job retention: a key is honoured this long even after its job was removed.
    QUEUE_IDEMPOTENCY_TTL_SECONDS: int(60, 30 * 24 * 3600).default(24 * 3600),
    // The outbox relay polls this often; a write in the same process wakes it at once.
    OUTBOX_POLL_INTERVAL_MS: int(10, 60_000).default(250),
    OUTBOX_BATCH_SIZE: int(1, 5_000).default(200),
    OUTBOX_RETENTION_HOURS: int(1, 24 * 90).default(24),
  })
  .transform((e) => ({
    prefix: e.QUEUE_PREFIX,
    enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS,
    idempotencyTtlSeconds: e.QUEUE_IDEMPOTENCY_TTL_SECONDS,
    outbox: { pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS, batchSize: e.OUTBOX_BATCH_SIZE, retentionHours: e.OUTBOX_RETENTION_HOURS },
  }));
