import { Queue } from 'bullmq';
import { queuePrefix, WORK_QUEUE_DEFINITIONS } from '../../backend/src/modules/jobs/queues';
import { bullDefaultJobOptions } from '../../backend/src/modules/jobs/queues/queue-definition';
import type { WorkQueueName } from '../../backend/src/modules/jobs/types';
import type { BenchServers } from './servers';

/** A producer-side queue with the production default job options, as JobsService adds jobs. */
export function benchQueue(servers: BenchServers, name: WorkQueueName, prefix: string): Queue {
  return new Queue(name, {
    connection: { ...servers.redis, maxRetriesPerRequest: null },
    prefix: queuePrefix(prefix, name),
    defaultJobOptions: bullDefaultJobOptions(WORK_QUEUE_DEFINITIONS[name]),
  });
}

/** Jobs not yet finished: waiting, prioritized, delayed or active. */
export async function unfinished(queue: Queue): Promise<number> {
  const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused', 'waiting-children');
  return Object.values(c).reduce((a, b) => a + b, 0);
}
