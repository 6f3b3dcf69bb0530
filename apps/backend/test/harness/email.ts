import type { Job, JobState, Queue } from 'bullmq';
import type { RawEnv } from '../../src/config/configuration';
import { DeadLetterService, deadLetterEntryId } from '../../src/modules/jobs/dead-letter/dead-letter.service';
import type { DeadLetterDetail } from '../../src/modules/jobs/dead-letter/dead-letter.types';
import { JobsService } from '../../src/modules/jobs/jobs.service';
import { startTestApp, TestApp } from './app';
import { eventually } from './wait';

/** A process that consumes only the email queue (no HTTP), as a dedicated worker would. */
export function startEmailWorker(env: RawEnv): Promise<TestApp> {
  return startTestApp({ APP_ROLE: 'worker', WORKER_QUEUES: 'email', ...env });
}

export const emailQueue = (app: TestApp): Queue => app.context.get(JobsService).queue('email');
export const deadLetters = (app: TestApp): DeadLetterService => app.context.get(DeadLetterService);

export function caseAssigned(overrides: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  return {
    organizationId: 'org-a',
    templateId: 'case-assigned',
    to: 'investigator@example.com',
    context: {
      caseNumber: 'C-2026-0042',
      caseTitle: 'Gifts from a supplier',
      assigneeName: 'Dana Investigator',
      caseUrl: 'https://app.example.com/cases/42',
      ...context,
    },
    ...overrides,
  };
}

/** Waits until the job is in one of the states and returns it, fresh from Redis. */
export async function settled(queue: Queue, id: string, states: JobState[] = ['completed', 'failed'], timeoutMs = 10_000): Promise<Job> {
  return eventually(async () => {
    // State first, then the job: read the other way round, the job could be a snapshot from before it finished.
    const state = await queue.getJobState(id);
    return (states as string[]).includes(state) ? ((await queue.getJob(id)) ?? undefined) : undefined;
  }, timeoutMs);
}

/** The dead-letter entry of a job, once the failure listener has filed it. */
export function deadLetterOf(app: TestApp, jobId: string, timeoutMs = 10_000): Promise<DeadLetterDetail> {
  return eventually(async () => (await deadLetters(app).get(deadLetterEntryId('email', jobId))) ?? undefined, timeoutMs);
}
