import type { BackoffOptions, KeepJobs, WorkerOptions } from 'bullmq';
import type { z } from 'zod';
import type { AppConfig } from '../../../config/configuration';
import type { FieldError } from '../../http/field-errors';

/** Priority tiers: High for SLA checks, Normal for user-facing work, Low for bulk work. */
export const PRIORITY_TIERS = { high: 1, normal: 2, low: 5 } as const;
export type PriorityTier = keyof typeof PRIORITY_TIERS;

/** Every payload names its tenant; a correlation id ties it to the request or job it follows from. */
export type PayloadSchema = z.ZodType<{ organizationId: string; correlationId?: string }>;

/** Every field is required: a new queue cannot compile without its retry, retention and worker policy. */
interface QueueJobDefaults {
  attempts: number;
  backoff: BackoffOptions;
  /**
   * BullMQ priority (1 is highest), one of PRIORITY_TIERS. Required: BullMQ takes unprioritized
   * jobs before every prioritized one, so a job without a priority would overtake High work.
   * null only for a queue nothing consumes (the dead-letter queue's entries are records, not work).
   */
  priority: (typeof PRIORITY_TIERS)[PriorityTier] | null;
  removeOnComplete: KeepJobs | boolean;
  removeOnFail: KeepJobs | boolean;
}

export type QueueWorkerOptions = Pick<WorkerOptions, 'concurrency'> &
  Partial<Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'limiter'>>;

/**
 * The one declaration of a queue: its name (persisted in Redis), policy and jobs. The registry,
 * the queue lists, the worker list, WORKER_QUEUES' allowed values and the dashboard derive from it.
 */
export interface QueueDefinition<
  N extends string = string,
  J extends Record<string, PayloadSchema> = Record<string, PayloadSchema>,
  W extends QueueWorkerOptions | null = QueueWorkerOptions | null,
> {
  name: N;
  displayName: string;
  description: string;
  defaultJobOptions: QueueJobDefaults;
  /** null: nothing consumes this queue. */
  worker: W;
  /**
   * false: jobs are not ordered by tenant within a tier (docs/fairness.md). For a queue fed by
   * BullMQ job schedulers, which add jobs with their own priorities, not through JobsService.
   */
  fairOrder?: false;
  /** Job name -> payload schema. Job names are persisted in Redis: renaming one needs a migration. */
  jobs: J;
  /**
   * Where a worker checks less than a producer because the work itself checks the rest (an email's
   * context is checked when it is rendered). Any other job is checked by workers as at enqueue.
   */
  workerJobs?: { [K in keyof J]?: PayloadSchema };
  /**
   * For HTTP producers (POST /api/v1/jobs/:queue): which body field names the job, or the one job
   * the queue takes, and what tenants may not ask for even in a valid payload.
   */
  http?: ({ field: string } | { fixed: keyof J & string }) & { rules?: HttpProducerRule };
}

/**
 * What a tenant may not enqueue over HTTP although the payload schema allows it (platform
 * producers may): field errors, answered as a 400, or none. Runs on the body as sent, before the
 * schema, so it only judges fields of the expected type and leaves the rest to the schema.
 */
export type HttpProducerRule = (body: Readonly<Record<string, unknown>>, config: AppConfig) => FieldError[];

/** A queue that has workers always has a tier priority; only a queue nothing consumes may have none. */
type Declared<N extends string, J extends Record<string, PayloadSchema>, W extends QueueWorkerOptions | null> = QueueDefinition<N, J, W> &
  (W extends null ? unknown : { defaultJobOptions: { priority: (typeof PRIORITY_TIERS)[PriorityTier] } });

/** Keeps the literal types of a declaration, from which the registry's types are derived. */
export function defineQueue<
  const N extends string,
  const J extends Record<string, PayloadSchema>,
  const W extends QueueWorkerOptions | null,
>(def: Declared<N, J, W>): Declared<N, J, W> {
  return def;
}

/** The job options BullMQ applies to every job added to the queue (a tier given at enqueue overrides the priority). */
export function bullDefaultJobOptions(def: QueueDefinition) {
  const { priority, ...rest } = def.defaultJobOptions;
  return priority === null ? rest : { ...rest, priority };
}

/** Several job names sharing one payload schema (the job name is also a field of the payload). */
export const jobsOf = <const N extends readonly string[], S extends PayloadSchema>(names: N, schema: S) =>
  Object.fromEntries(names.map((n) => [n, schema])) as { [K in N[number]]: S };
