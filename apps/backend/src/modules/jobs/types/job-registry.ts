import type { z } from 'zod';
import {
  WORK_QUEUE_DEFINITIONS,
  type HttpProducerRule,
  type PayloadSchema,
  type WorkQueueDefinitionOf,
  type WorkQueueName,
} from '../queues';

export { isWorkQueue, WORK_QUEUES, type QueueName, type WorkQueueName } from '../queues';

/**
 * Queue -> job name -> payload schema, derived from the queue declarations. Each job name maps to
 * exactly one payload type; enqueueing anything else does not compile, and the same schema is checked
 * again at run time.
 */
type JobRegistry = { [Q in WorkQueueName]: WorkQueueDefinitionOf<Q>['jobs'] };
const JOB_REGISTRY = Object.fromEntries(Object.values(WORK_QUEUE_DEFINITIONS).map((q) => [q.name, q.jobs])) as JobRegistry;

export type JobName<Q extends WorkQueueName> = keyof JobRegistry[Q] & string;
export type JobData<Q extends WorkQueueName, N extends JobName<Q>> = z.infer<JobRegistry[Q][N] & PayloadSchema>;
/** Payloads as producers write them (before defaults are applied). */
export type JobInput<Q extends WorkQueueName, N extends JobName<Q>> = z.input<JobRegistry[Q][N] & PayloadSchema>;

/** For HTTP producers: which body field names the job, or the one job a queue has. */
export function httpJobName<Q extends WorkQueueName>(queue: Q): { field: string } | { fixed: JobName<Q> } | undefined {
  return WORK_QUEUE_DEFINITIONS[queue].http as { field: string } | { fixed: JobName<Q> } | undefined;
}

/** What tenants may not ask of a queue over HTTP (see HttpProducerRule); undefined: nothing beyond the schema. */
export function httpProducerRule(queue: WorkQueueName): HttpProducerRule | undefined {
  return WORK_QUEUE_DEFINITIONS[queue].http?.rules;
}

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

export function schemaFor(queue: WorkQueueName, name: string): PayloadSchema | undefined {
  const jobs: Record<string, PayloadSchema> = JOB_REGISTRY[queue];
  return own(jobs, name) ? jobs[name] : undefined;
}

/** The schema a worker checks a job against before running it (the declaration's workerJobs, else the producer's). */
export function workerSchemaFor(queue: WorkQueueName, name: string): PayloadSchema | undefined {
  const lighter = (WORK_QUEUE_DEFINITIONS[queue] as { workerJobs?: Record<string, PayloadSchema | undefined> }).workerJobs;
  return (lighter && own(lighter, name) ? lighter[name] : undefined) ?? schemaFor(queue, name);
}

export function jobNamesOf(queue: WorkQueueName): string[] {
  return Object.keys(JOB_REGISTRY[queue]);
}
