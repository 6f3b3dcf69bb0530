import type { BackoffOptions, KeepJobs, WorkerOptions } from 'bullmq';
import type { QueueName } from '../types/job-registry';

/** Every field is required: a new queue cannot compile without its retry, retention and worker policy. */
export interface QueueJobDefaults {
  attempts: number;
  backoff: BackoffOptions;
  /** BullMQ priority (1 is highest); undefined keeps jobs unprioritized, taken in FIFO order. */
  priority: number | undefined;
  removeOnComplete: KeepJobs | boolean;
  removeOnFail: KeepJobs | boolean;
}

export type QueueWorkerOptions = Pick<WorkerOptions, 'concurrency'> &
  Partial<Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'limiter'>>;

export interface QueueDefinition<N extends QueueName = QueueName> {
  name: N;
  displayName: string;
  description: string;
  defaultJobOptions: QueueJobDefaults;
  /** null: nothing consumes this queue. */
  worker: QueueWorkerOptions | null;
}

/** BullMQ rejects `priority: undefined` in some code paths; drop it when unset. */
export function bullDefaultJobOptions(def: QueueDefinition) {
  const { priority, ...rest } = def.defaultJobOptions;
  return priority === undefined ? rest : { ...rest, priority };
}
