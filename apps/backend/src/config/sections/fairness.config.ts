import { z } from 'zod';
import { bool, int, list } from '../fields';

/** Queue names are checked against the declarations where the caps are used (config sits below the job platform). */
const QUEUE_CAP = /^([a-z][a-z0-9-]*)=(\d+)$/;

/** `queue=n,...`: a per-tenant concurrency cap per queue. */
const caps = z
  .string()
  .transform((raw, ctx) => {
    const out: Record<string, number> = {};
    for (const item of list(raw)) {
      const m = QUEUE_CAP.exec(item);
      const n = m ? Number(m[2]) : NaN;
      if (!m || n < 1 || n > 1000) {
        ctx.addIssue({ code: 'custom', message: `"${item}" must be queue=n with n from 1 to 1000, e.g. ai-processing=2` });
        return z.NEVER;
      }
      out[m[1]] = n;
    }
    return out;
  })
  .default({});

/** Tenant fairness (docs/fairness.md): fair order within each tier, pending caps, per-tenant caps on workers. */
export const fairnessSection = z
  .object({
    FAIRNESS_ENABLED: bool.default(true),
    // Per tenant and queue: jobs waiting beyond this are refused with 429.
    FAIRNESS_MAX_PENDING: int(0, 10_000_000).default(100_000),
    FAIRNESS_RETRY_AFTER_SECONDS: int(1, 3600).default(10),
    FAIRNESS_WEIGHTS_REFRESH_MS: int(100, 600_000).default(5_000),
    FAIRNESS_TENANT_CONCURRENCY: caps,
    FAIRNESS_AI_CALLS_PER_MINUTE: int(0, 1_000_000).default(0),
    FAIRNESS_CAP_RETRY_MS: int(10, 60_000).default(250),
    FAIRNESS_METRICS_TOP_K: int(1, 50).default(10),
  })
  .transform((e) => ({
    enabled: e.FAIRNESS_ENABLED,
    /** 0: no cap. */
    maxPending: e.FAIRNESS_MAX_PENDING,
    retryAfterSeconds: e.FAIRNESS_RETRY_AFTER_SECONDS,
    weightsRefreshMs: e.FAIRNESS_WEIGHTS_REFRESH_MS,
    /** Queue name -> most jobs of one tenant running at once on that queue. */
    tenantConcurrency: e.FAIRNESS_TENANT_CONCURRENCY,
    /** AI jobs one tenant may start per sliding minute; 0: no limit. */
    aiCallsPerMinute: e.FAIRNESS_AI_CALLS_PER_MINUTE,
    capRetryMs: e.FAIRNESS_CAP_RETRY_MS,
    metricsTopK: e.FAIRNESS_METRICS_TOP_K,
  }));
