import type { Job } from 'bullmq';
import type { WorkQueueName } from '../types';

/**
 * Emitted in-process each time a job is filed as dead (by the failure listener or by its sweep),
 * so a domain can react to a final failure without deciding again what "final" means.
 */
export class JobDeadLetteredEvent {
  static readonly eventName = 'job.dead_lettered';

  constructor(
    readonly queue: WorkQueueName,
    readonly job: Job,
    readonly reason: string,
  ) {}
}
