import { SCHEDULED_JOB_TYPES, scheduledJobDataSchema } from '../types/job-data.types';
import { defineQueue, jobsOf } from './queue-definition';

export const SCHEDULED_QUEUE_NAME = 'scheduled';

const HOUR = 60 * 60;

/**
 * Each tenant's recurring jobs, produced by BullMQ job schedulers (one per tenant and type, see
 * modules/schedules). They read PostgreSQL and enqueue `send-email` jobs; they never send mail
 * themselves, so the email queue's retries and dead letters apply to every message.
 * sla-check runs at the High tier (the scheduler sets it), daily-reminder at Normal.
 */
export const SCHEDULED_QUEUE = defineQueue({
  name: SCHEDULED_QUEUE_NAME,
  displayName: 'Scheduled',
  description: "Tenants' recurring jobs: SLA checks and daily reminders",
  defaultJobOptions: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 2000 },
    priority: 2,
    // 1,000 tenants checking every 5 minutes make 288,000 jobs a day: keep an hour's worth.
    removeOnComplete: { count: 2000, age: HOUR },
    removeOnFail: { count: 5000, age: 3 * 24 * HOUR },
  },
  worker: { concurrency: 5 },
  // One job per tenant and schedule tick: nothing to share out, and its schedulers set classic priorities.
  fairOrder: false,
  jobs: jobsOf(SCHEDULED_JOB_TYPES, scheduledJobDataSchema),
});
