import { ConfigValidationError } from '../../../config/configuration';
import { AI_QUEUE } from './ai.queue';
import { DEAD_LETTER_QUEUE_DEF } from './dead-letter.queue';
import { EMAIL_QUEUE } from './email.queue';
import { INDEXING_QUEUE } from './indexing.queue';
import { SCHEDULED_QUEUE } from './scheduled.queue';
import { REPORTS_QUEUE } from './reports.queue';
import type { QueueWorkerOptions } from './queue-definition';

export * from './ai.queue';
export * from './dead-letter.queue';
export * from './email.queue';
export * from './indexing.queue';
export * from './queue-definition';
export * from './queue-prefix';
export * from './scheduled.queue';
export * from './reports.queue';

/** Every queue, once. Adding a queue is adding its declaration here (and its consumer in processors/index.ts). */
export const QUEUES = [AI_QUEUE, EMAIL_QUEUE, INDEXING_QUEUE, SCHEDULED_QUEUE, REPORTS_QUEUE, DEAD_LETTER_QUEUE_DEF] as const;

type AnyQueue = (typeof QUEUES)[number];
export type QueueName = AnyQueue['name'];
/** Queues that carry work: those with workers. The dead-letter queue is not one of them. */
export type WorkQueueDefinition = Extract<AnyQueue, { worker: QueueWorkerOptions }>;
export type WorkQueueName = WorkQueueDefinition['name'];
export type WorkQueueDefinitionOf<Q extends WorkQueueName> = Extract<WorkQueueDefinition, { name: Q }>;

const isWorkDefinition = (q: AnyQueue): q is WorkQueueDefinition => q.worker !== null;

export const WORK_QUEUE_DEFINITIONS = Object.fromEntries(QUEUES.filter(isWorkDefinition).map((q) => [q.name, q])) as {
  [Q in WorkQueueName]: WorkQueueDefinitionOf<Q>;
};
// A non-empty tuple, as z.enum takes it.
export const WORK_QUEUES = QUEUES.filter(isWorkDefinition).map((q) => q.name) as [WorkQueueName, ...WorkQueueName[]];

export function isWorkQueue(name: string): name is WorkQueueName {
  return (WORK_QUEUES as readonly string[]).includes(name);
}

/**
 * WORKER_QUEUES, checked against the declarations: unset means every work queue. Called before the
 * process starts, so an unknown name stops it with the configuration's own message.
 */
export function resolveWorkerQueues(names: readonly string[] | null): WorkQueueName[] {
  if (names === null) return [...WORK_QUEUES];
  const unknown = names.filter((n) => !isWorkQueue(n));
  if (unknown.length > 0) {
    throw new ConfigValidationError([`WORKER_QUEUES: unknown queue(s) ${unknown.join(', ')}; allowed: ${WORK_QUEUES.join(', ')}`]);
  }
  return names.filter(isWorkQueue);
}
