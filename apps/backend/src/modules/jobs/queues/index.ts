import type { QueueName, WorkQueueName } from '../types/job-registry';
import { AI_QUEUE } from './ai.queue';
import { DEAD_LETTER_QUEUE_DEF } from './dead-letter.queue';
import { EMAIL_QUEUE } from './email.queue';
import { INDEXING_QUEUE } from './indexing.queue';
import type { QueueDefinition } from './queue-definition';

export * from './ai.queue';
export * from './dead-letter.queue';
export * from './email.queue';
export * from './indexing.queue';
export * from './queue-definition';

export const WORK_QUEUE_DEFINITIONS: { [Q in WorkQueueName]: QueueDefinition<Q> } = {
  'ai-processing': AI_QUEUE,
  email: EMAIL_QUEUE,
  indexing: INDEXING_QUEUE,
};

export const ALL_QUEUE_DEFINITIONS: QueueDefinition<QueueName>[] = [AI_QUEUE, EMAIL_QUEUE, INDEXING_QUEUE, DEAD_LETTER_QUEUE_DEF];

/** Priority tiers: High for SLA checks, Normal for user-facing work, Low for bulk work. */
export const PRIORITY_TIERS = { high: 1, normal: 2, low: 5 } as const;
export type PriorityTier = keyof typeof PRIORITY_TIERS;
