import { caseExportJobDataSchema } from '../types/job-data.types';
import { defineQueue } from './queue-definition';

export const REPORTS_QUEUE_NAME = 'reports';
const CASE_EXPORT_JOB = 'export-cases';

const HOUR = 60 * 60;

export const REPORTS_QUEUE = defineQueue({
  name: REPORTS_QUEUE_NAME,
  displayName: 'Reports',
  description: 'Case exports (CSV, XLSX) written to the report store; bulk work on its own workers',
  defaultJobOptions: {
    // An export reads a consistent filter again from the start: a retry after a database hiccup is cheap.
    attempts: 2,
    backoff: { type: 'fixed', delay: 10_000 },
    priority: 5, // the Low tier (PRIORITY_TIERS.low): bulk work
    removeOnComplete: { count: 1000, age: 24 * HOUR },
    removeOnFail: { count: 1000, age: 3 * 24 * HOUR },
  },
  // Exports stream and hold little memory, but each holds a database connection for its whole run.
  worker: { concurrency: 2 },
  jobs: { [CASE_EXPORT_JOB]: caseExportJobDataSchema },
  http: { fixed: CASE_EXPORT_JOB },
});
