import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { startTestApp, TestApp } from './harness/app';
import { eventually } from './harness/wait';

/** Jobs that can never succeed reach a real processor (bypassing the producer's checks) and fail at once. */
describe('jobs that can never succeed', () => {
  let app: TestApp;
  let deadLetters: DeadLetterService;
  const queue = (name: string): Queue => app.context.get(getQueueToken(name), { strict: false });

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'worker', WORKER_QUEUES: 'indexing,email' });
    deadLetters = app.context.get(DeadLetterService, { strict: false });
  });
  afterAll(() => app.close());

  it.each([
    [
      'an invalid payload',
      'indexing',
      'create',
      { operation: 'create', entityType: 'case' },
      /invalid indexing job "create": organizationId: .*; entityId: /,
    ],
    [
      'an unknown job name',
      'indexing',
      'explode',
      { organizationId: 'org-x' },
      /no job "explode" on queue indexing; known: create, update, delete, reindex/,
    ],
    // Workers leave the template context to rendering; it fails the same way, naming the field.
    [
      'an email whose context does not fit its template',
      'email',
      'send-email',
      {
        organizationId: 'org-x',
        templateId: 'case-assigned',
        to: 'a@example.com',
        context: { caseNumber: 7, caseTitle: 'T', assigneeName: 'A', caseUrl: 'ftp://x' },
      },
      /^invalid email job "send-email": context\.caseUrl: must be an http\(s\) URL$/,
    ],
  ])('%s goes to the dead-letter queue after one attempt, with the reason', async (_label, queueName, name, data, reason) => {
    const job = await queue(queueName).add(name, data, { attempts: 3 });
    const entry = await eventually(async () => {
      const { items } = await deadLetters.list({ queue: queueName as 'indexing' | 'email' }, 0, 100);
      return items.find((i) => i.jobId === job.id);
    });
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toMatch(reason);
  });
});
