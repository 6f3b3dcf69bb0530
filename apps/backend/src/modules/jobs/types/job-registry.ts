import { z } from 'zod';
import {
  AI_JOB_TYPES,
  aiJobDataSchema,
  deadLetterDigestJobDataSchema,
  emailJobDataSchema,
  emailJobDataWorkerSchema,
  INDEXING_OPERATIONS,
  indexingJobDataSchema,
} from './job-data.types';

/** Queues that carry work. The dead-letter queue is not one of them: nothing consumes it. */
export const WORK_QUEUES = ['ai-processing', 'email', 'indexing'] as const;
export type WorkQueueName = (typeof WORK_QUEUES)[number];
export const DEAD_LETTER_QUEUE = 'dead-letter' as const;
export type QueueName = WorkQueueName | typeof DEAD_LETTER_QUEUE;

type Schema = z.ZodType<{ organizationId: string; correlationId?: string }>;

const fromNames = <const N extends readonly string[], S extends Schema>(names: N, schema: S) =>
  Object.fromEntries(names.map((n) => [n, schema])) as { [K in N[number]]: S };

/**
 * Queue -> job name -> payload schema. Each job name maps to exactly one payload type; enqueueing
 * anything else does not compile, and the same schema is checked again at run time.
 * Job names are persisted in Redis: renaming one needs a migration.
 */
export const JOB_REGISTRY = {
  'ai-processing': fromNames(AI_JOB_TYPES, aiJobDataSchema),
  email: { 'send-email': emailJobDataSchema, 'dlq-digest': deadLetterDigestJobDataSchema },
  indexing: fromNames(INDEXING_OPERATIONS, indexingJobDataSchema),
} as const satisfies Record<WorkQueueName, Record<string, Schema>>;

export type JobRegistry = typeof JOB_REGISTRY;
export type JobName<Q extends WorkQueueName> = keyof JobRegistry[Q] & string;
export type JobData<Q extends WorkQueueName, N extends JobName<Q>> = z.infer<JobRegistry[Q][N] & Schema>;
/** Payloads as producers write them (before defaults are applied). */
export type JobInput<Q extends WorkQueueName, N extends JobName<Q>> = z.input<JobRegistry[Q][N] & Schema>;

/** For HTTP producers: which body field names the job (as in the seed's job data), or the one job a queue has. */
export const HTTP_JOB_NAME: { [Q in WorkQueueName]: { field: string } | { fixed: JobName<Q> } } = {
  'ai-processing': { field: 'type' },
  email: { fixed: 'send-email' },
  indexing: { field: 'operation' },
};

export function isWorkQueue(name: string): name is WorkQueueName {
  return (WORK_QUEUES as readonly string[]).includes(name);
}

export function schemaFor(queue: WorkQueueName, name: string): Schema | undefined {
  const jobs = JOB_REGISTRY[queue] as Record<string, Schema>;
  return Object.prototype.hasOwnProperty.call(jobs, name) ? jobs[name] : undefined;
}

/**
 * Where a worker checks less than a producer because the work itself checks the rest (an email's
 * context is checked when it is rendered). Any other job is checked by workers as at enqueue.
 */
const WORKER_SCHEMAS: { [Q in WorkQueueName]?: { [N in JobName<Q>]?: Schema } } = {
  email: { 'send-email': emailJobDataWorkerSchema },
};

/** The schema a worker checks a job against before running it. */
export function workerSchemaFor(queue: WorkQueueName, name: string): Schema | undefined {
  const lighter = WORKER_SCHEMAS[queue] as Record<string, Schema> | undefined;
  return lighter && Object.prototype.hasOwnProperty.call(lighter, name) ? lighter[name] : schemaFor(queue, name);
}

export function jobNamesOf(queue: WorkQueueName): string[] {
  return Object.keys(JOB_REGISTRY[queue]);
}
