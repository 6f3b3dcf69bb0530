import { defineQueue, PRIORITY_TIERS } from './queue-definition';

export const DEAD_LETTER_QUEUE_NAME = 'dead-letter';

export const DEAD_LETTER_QUEUE_DEF = defineQueue({
  name: DEAD_LETTER_QUEUE_NAME,
  displayName: 'Dead letters',
  description: 'Jobs that failed for good, kept until an operator replays or dismisses them',
  defaultJobOptions: {
    // Entries are records, never processed: no retries, and never trimmed automatically.
    attempts: 1,
    backoff: { type: 'fixed', delay: 0 },
    priority: PRIORITY_TIERS.low, // never consumed; set so that no queue holds an unprioritized job
    removeOnComplete: false,
    removeOnFail: false,
  },
  worker: null,
  // Entries are written by the dead-letter store, never enqueued as jobs.
  jobs: {},
});
