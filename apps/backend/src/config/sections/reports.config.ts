import { join } from 'node:path';
import { z } from 'zod';
import { int } from '../fields';
import { DATA_DIR } from '../shared-variables';

export const reportsSection = z
  .object({
    DATA_DIR,
    REPORTS_DIR: z.string().min(1).optional(),
    REPORT_TTL_HOURS: int(1, 24 * 90).default(24),
    REPORT_BATCH_PAUSE_MS: int(0, 60_000).default(0),
  })
  .transform((e) => ({
    /** Where the local report store keeps files; shared by every process that writes or serves reports. */
    dir: e.REPORTS_DIR ?? join(e.DATA_DIR, 'reports'),
    ttlMs: e.REPORT_TTL_HOURS * 3_600_000,
    /** A pause between batches of 1,000 cases, leaving database capacity to live traffic. */
    batchPauseMs: e.REPORT_BATCH_PAUSE_MS,
  }));
