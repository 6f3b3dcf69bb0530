import type { AiConfig } from '../../../config/configuration';
import { AI_JOB_TYPES, aiHttpRule, aiJobDataSchema } from '../types/job-data.types';
import { defineQueue, jobsOf, PRIORITY_TIERS, type QueueWorkerOptions } from './queue-definition';

export const AI_QUEUE_NAME = 'ai-processing';

const HOUR = 60 * 60;
/** Kept above the longest provider timeout, so a slow call is never mistaken for a stalled job. */
const LOCK_MARGIN_MS = 30_000;

export const AI_QUEUE = defineQueue({
  name: AI_QUEUE_NAME,
  displayName: 'AI processing',
  description: 'Summaries, translation, categorization and note clean-up; dedicated AI workers',
  defaultJobOptions: {
    attempts: 5, // AI calls get more retries
    backoff: { type: 'exponential', delay: 2000 }, // 2s, 4s, 8s, 16s
    priority: PRIORITY_TIERS.normal, // user-facing work; High SLA jobs go first
    removeOnComplete: { count: 1000, age: 24 * HOUR },
    removeOnFail: { count: 5000, age: 7 * 24 * HOUR }, // kept a week for investigation
  },
  worker: { concurrency: 5 },
  jobs: jobsOf(AI_JOB_TYPES, aiJobDataSchema),
  http: { field: 'type', rules: aiHttpRule },
});

/**
 * The AI worker's settings that depend on configuration: the lock outlives the longest provider
 * timeout, and the limiter (stored per queue in Redis, so shared by every AI worker process)
 * protects the providers' account quota. BullMQ honours `worker.rateLimit`/`queue.rateLimit`
 * only when a limiter is set. A chain of only the offline provider has no quota to protect.
 */
export function aiWorkerOptions(ai: Pick<AiConfig, 'timeoutMs' | 'rateLimit' | 'providers'>): QueueWorkerOptions {
  const longestTimeout = Math.max(...Object.values(ai.timeoutMs));
  const remote = ai.providers.some((p) => p !== 'local');
  return {
    ...AI_QUEUE.worker,
    lockDuration: longestTimeout + LOCK_MARGIN_MS,
    ...(remote ? { limiter: { max: ai.rateLimit.max, duration: ai.rateLimit.durationMs } } : {}),
  };
}
