import type { QueueDefinition } from './queue-definition';

export const AI_QUEUE_NAME = 'ai-processing';

const HOUR = 60 * 60;

export const AI_QUEUE: QueueDefinition<typeof AI_QUEUE_NAME> = {
  name: AI_QUEUE_NAME,
  displayName: 'AI processing',
  description: 'Summaries, translation, categorization and note clean-up; dedicated AI workers',
  defaultJobOptions: {
    attempts: 5, // AI calls get more retries
    backoff: { type: 'exponential', delay: 2000 }, // 2s, 4s, 8s, 16s
    priority: undefined,
    removeOnComplete: { count: 1000, age: 24 * HOUR },
    removeOnFail: { count: 5000, age: 7 * 24 * HOUR }, // kept a week for investigation
  },
  worker: { concurrency: 5 },
};

export const AI_QUEUE_OPTIONS = { defaultJobOptions: AI_QUEUE.defaultJobOptions };
