import { deadLetterDigestJobDataSchema, emailHttpRule, emailJobDataSchema, emailJobDataWorkerSchema } from '../types/job-data.types';
import { PRIORITY_TIERS, defineQueue } from './queue-definition';

export const EMAIL_QUEUE_NAME = 'email';

const HOUR = 60 * 60;

export const EMAIL_QUEUE = defineQueue({
  name: EMAIL_QUEUE_NAME,
  displayName: 'Email',
  description: 'Notification and alert emails over SMTP',
  defaultJobOptions: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    priority: PRIORITY_TIERS.normal, // higher than general work
    removeOnComplete: { count: 500, age: 12 * HOUR },
    removeOnFail: { count: 1000, age: 3 * 24 * HOUR },
  },
  worker: { concurrency: 10 },
  // 'dlq-digest' is the dead-letter digest's persisted job name.
  jobs: { 'send-email': emailJobDataSchema, 'dlq-digest': deadLetterDigestJobDataSchema },
  workerJobs: { 'send-email': emailJobDataWorkerSchema },
  http: { fixed: 'send-email', rules: emailHttpRule },
});
