import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { startTestApp, TestApp } from './harness/app';
import { eventually } from './harness/wait';

/** Jobs that can never succeed reach a real processor (bypassing the producer's checks) and fail at once. */
describe('jobs that can never succeed', () => {
  let app: TestApp;
  let indexing: Queue;
  let deadLetters: DeadLetterService;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'worker', WORKER_QUEUES: 'indexing' });
    indexing = app.context.get(getQueueToken('indexing'), { strict: false });
    deadLetters = app.context.get(DeadLetterService, { strict: false });
  });
  afterAll(() => app.close());

  it.each([
    ['an invalid payload', 'create', { operation: 'create', entityType: 'case' }, /invalid indexing job "create": organizationId: .*; entityId: /],
    ['an unknown job name', 'explode', { organizationId: 'org-x' }, /no job "explode" on queue indexing; known: create, update, delete, reindex/],
  ])('%s goes to the dead-letter queue after one attempt, with the reason', async (_label, name, data, reason) => {
    const job = await indexing.add(name, data, { attempts: 3 });
    const entry = await eventually(async () => {
      const { items } = await deadLetters.list({ queue: 'indexing' }, 0, 100);
      return items.find((i) => i.jobId === job.id);
    });
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toMatch(reason);
  });
});
