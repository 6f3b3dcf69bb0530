import { bandStart } from '../src/modules/jobs/fairness/fair-order';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { JobValidationError } from '../src/modules/jobs/types';
import { startTestApp, TestApp } from './harness/app';

describe('JobsService (the typed producer)', () => {
  let app: TestApp;
  let jobs: JobsService;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
    jobs = app.context.get(JobsService, { strict: false });
  });
  afterAll(() => app.close());

  const data = (organizationId: string) => ({ organizationId, operation: 'update' as const, entityType: 'case', entityId: 'c-1' });

  it('registers every queue with the specified default job options', () => {
    const options = (name: string) => app.context.get<Queue>(getQueueToken(name), { strict: false }).defaultJobOptions;
    expect(options('ai-processing')).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 2000 } });
    // Fair queues default to the start of their default tier's band (docs/fairness.md).
    expect(options('email')).toMatchObject({ attempts: 3, priority: bandStart('normal'), backoff: { type: 'exponential', delay: 1000 } });
    expect(options('indexing')).toMatchObject({ attempts: 3, priority: bandStart('low'), backoff: { type: 'fixed', delay: 5000 } });
    expect(options('scheduled')).toMatchObject({ priority: 2 });
    expect(options('dead-letter')).toMatchObject({ removeOnComplete: false, removeOnFail: false });
  });

  it('stores a job once per idempotency key and tenant', async () => {
    const a1 = await jobs.enqueue('indexing', 'update', data('org-1'), { idempotencyKey: 'case-1-v2' });
    const a2 = await jobs.enqueue('indexing', 'update', data('org-1'), { idempotencyKey: 'case-1-v2' });
    const b = await jobs.enqueue('indexing', 'update', data('org-2'), { idempotencyKey: 'case-1-v2' });
    expect(a2.id).toBe(a1.id);
    expect(b.id).not.toBe(a1.id);
    expect(await jobs.queue('indexing').getJobCountByTypes('prioritized')).toBe(2);
  });

  // The start of each tier's band (docs/fairness.md): the add stores it, the fair order then places the job.
  it.each([
    ['high', bandStart('high')],
    ['normal', bandStart('normal')],
    ['low', bandStart('low')],
  ] as const)('maps priority %s to %i', async (tier, priority) => {
    const job = await jobs.enqueue('indexing', 'update', data('org-p'), { priority: tier });
    expect((await jobs.queue('indexing').getJob(job.id))!.opts.priority).toBe(priority);
  });

  it('keeps the queue default priority when no tier is given', async () => {
    const job = await jobs.enqueue('indexing', 'update', data('org-p'));
    expect((await jobs.queue('indexing').getJob(job.id))!.opts.priority).toBe(bandStart('low'));
  });

  it('rejects an invalid payload before it reaches Redis', async () => {
    const before = await jobs.queue('ai-processing').count();
    await expect(
      jobs.enqueue('ai-processing', 'translate', { organizationId: 'o', type: 'translate', entityType: 'case', entityId: 'c' }),
    ).rejects.toThrow(new JobValidationError([{ field: 'targetLanguage', message: 'is required for translate' }]));
    expect(await jobs.queue('ai-processing').count()).toBe(before);
  });

  it('does not compile with a payload of the wrong type', () => {
    // Type-level checks: `npm test` typechecks this file, so these lines prove the registry's typing.
    const typed = async () => {
      // @ts-expect-error indexing jobs need operation/entityType/entityId
      await jobs.enqueue('indexing', 'update', { organizationId: 'o', templateId: 'x' });
      // @ts-expect-error no such job on the email queue
      await jobs.enqueue('email', 'update', data('o'));
      // @ts-expect-error every payload carries organizationId
      await jobs.enqueue('email', 'send-email', { templateId: 't', to: 'a@example.com', context: {} });
    };
    expect(typeof typed).toBe('function');
  });
});
