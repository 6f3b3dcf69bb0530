import { z } from 'zod';
import { int } from '../fields';

export const queueSection = z
  .object({
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, _ and -' })
      .default('ethico'),
    ENQUEUE_TIMEOUT_MS: int(100, 60_000).default(2_000),
  })
  .transform((e) => ({ prefix: e.QUEUE_PREFIX, enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS }));
