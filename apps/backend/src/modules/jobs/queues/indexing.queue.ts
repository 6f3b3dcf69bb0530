import { INDEXING_OPERATIONS, indexingJobDataSchema } from '../types/job-data.types';
import { defineQueue, jobsOf, PRIORITY_TIERS } from './queue-definition';

export const INDEXING_QUEUE_NAME = 'indexing';

const HOUR = 60 * 60;

export const INDEXING_QUEUE = defineQueue({
  name: INDEXING_QUEUE_NAME,
  displayName: 'Search indexing',
  description: 'Keeps the search index in step with the database; bulk reindexing runs at low priority',
  defaultJobOptions: {
    attempts: 3,
    backoff: { type: 'fixed', delay: 5000 },
    priority: PRIORITY_TIERS.low, // bulk operations
    removeOnComplete: { count: 2000, age: 6 * HOUR },
    removeOnFail: { count: 5000, age: 24 * HOUR },
  },
  worker: { concurrency: 20 },
  jobs: jobsOf(INDEXING_OPERATIONS, indexingJobDataSchema),
  http: { field: 'operation' },
});
