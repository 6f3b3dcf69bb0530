import { defineQueue } from './queue-definition';

export const DEAD_LETTER_QUEUE_NAME = 'dead-letter';

export const DEAD_LETTER_QUEUE_DEF = defineQueue({
  name: DEAD_LETTER_QUEUE_NAME,
  displayName: 'Dead letters',
  description: 'Jobs that failed for good, kept until an operator replays or dismisses them',
  defaultJobOptions: {
    // Entries are records, never processed: no retries, and never trimmed automatically.
    attempts: 1,
    backoff: { type: 'fixed', delay: 0 },
    priority: null, // never consumed: entries are records in the waiting list, not work
    removeOnComplete: false,
    removeOnFail: false,
  },
  worker: null,
  // Entries are written by the dead-letter store, never enqueued as jobs.
  jobs: {},
});
