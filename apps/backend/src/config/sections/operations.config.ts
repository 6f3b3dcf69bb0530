import { z } from 'zod';
import { bool, int } from '../fields';
import { NODE_ENV } from '../shared-variables';

export const operationsSection = z
  .object({
    NODE_ENV,
    METRICS_PORT: int(0, 65535).default(9464),
    LOG_PRETTY: bool.optional(),
    LOG_FILE: z.string().optional(),
  })
  .transform((e) => ({
    metricsPort: e.METRICS_PORT,
    // Readable logs on a developer's terminal, JSON lines anywhere else unless asked.
    logPretty: e.LOG_PRETTY ?? e.NODE_ENV === 'development',
    logFile: e.LOG_FILE,
  }));
