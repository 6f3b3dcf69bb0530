import type { QueueDefinition } from './queue-definition';

export const EMAIL_QUEUE_NAME = 'email';

const HOUR = 60 * 60;

export const EMAIL_QUEUE: QueueDefinition<typeof EMAIL_QUEUE_NAME> = {
  name: EMAIL_QUEUE_NAME,
  displayName: 'Email',
  description: 'Notification and alert emails over SMTP',
  defaultJobOptions: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    priority: 2, // higher than general work
    removeOnComplete: { count: 500, age: 12 * HOUR },
    removeOnFail: { count: 1000, age: 3 * 24 * HOUR },
  },
  worker: { concurrency: 10 },
};

export const EMAIL_QUEUE_OPTIONS = { defaultJobOptions: EMAIL_QUEUE.defaultJobOptions };
