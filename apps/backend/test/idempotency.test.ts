import { bandStart } from '../src/modules/jobs/fairness/fair-order';
import { Job, Worker } from 'bullmq';
import request from 'supertest';
import { IdempotencyConflictError } from '../src/modules/jobs/idempotency';
import { idempotentJobId, JobsService } from '../src/modules/jobs/jobs.service';
import { PriorityBackfillService } from '../src/modules/jobs/priority-backfill.service';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { testRedisClient } from './harness/config';
import type { RedisClient } from '../src/modules/redis/redis-connection.factory';
import { bearer } from './harness/http';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';

const email = (to = 'a@example.com') => ({
  templateId: 'case-assigned',
  to,
  context: { caseNumber: 'C-1', caseTitle: 'Expense fraud', assigneeName: 'Ana', caseUrl: 'https://app.example.com/cases/1' },
});

describe('idempotency records and priorities', () => {
  let app: TestApp;
  let jobs: JobsService;
  let connection: RedisClient;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', QUEUE_IDEMPOTENCY_TTL_SECONDS: '3600' });
    jobs = app.context.get(JobsService, { strict: false });
    connection = testRedisClient();
  });
  afterAll(async () => {
    await app.close();
    await connection.quit();
  });

  const indexing = (organizationId: string, entityId = 'c-1') => ({
    organizationId,
    operation: 'update' as const,
    entityType: 'case',
    entityId,
  });

  it('returns the original job for the same key and request, whatever the correlation id', async () => {
    const a = await jobs.enqueue('indexing', 'update', { ...indexing('org-1'), correlationId: 'r-1' }, { idempotencyKey: 'same' });
    const b = await jobs.enqueue('indexing', 'update', { ...indexing('org-1'), correlationId: 'r-2' }, { idempotencyKey: 'same' });
    expect(b).toEqual({ ...a, state: 'prioritized' });
    const ttl = await connection.ttl(`${queuePrefix(app.config.queue.prefix, 'indexing')}:indexing:idempotency:${a.id}`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it.each([
    ['another payload', 'update', 'c-2'],
    ['another job name', 'delete', 'c-1'],
  ] as const)('refuses the same key with %s', async (_case, name, entityId) => {
    const first = await jobs.enqueue('indexing', 'update', indexing('org-2'), { idempotencyKey: `k-${name}-${entityId}` });
    const again = jobs.enqueue(
      'indexing',
      name,
      { ...indexing('org-2', entityId), operation: name },
      { idempotencyKey: `k-${name}-${entityId}` },
    );
    await expect(again).rejects.toThrow(IdempotencyConflictError);
    await expect(again).rejects.toMatchObject({ original: { jobId: first.id, name: 'update' } });
  });

  it('answers 422 over HTTP for the same key with another body, naming the original job', async () => {
    const first = await request(app.url!).post('/api/v1/jobs/email').set(bearer('org-h')).set('Idempotency-Key', 'pay-1').send(email());
    expect(first.status).toBe(202);
    const same = await request(app.url!).post('/api/v1/jobs/email').set(bearer('org-h')).set('Idempotency-Key', 'pay-1').send(email());
    expect(same.status).toBe(202);
    expect(same.body).toMatchObject({ id: first.body.id, name: 'send-email' });
    const other = await request(app.url!)
      .post('/api/v1/jobs/email')
      .set(bearer('org-h'))
      .set('Idempotency-Key', 'pay-1')
      .send(email('b@example.com'));
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({
      errors: [{ field: 'Idempotency-Key', message: expect.stringContaining(first.body.id) }],
      originalJob: { id: first.body.id, name: 'send-email' },
    });
  });

  it('keeps a client key apart from the system key of the same text', async () => {
    const systemKey = 'index:case:c-9:v1';
    const client = await request(app.url!)
      .post('/api/v1/jobs/indexing')
      .set(bearer('org-s'))
      .set('Idempotency-Key', systemKey)
      .send({ operation: 'delete', entityType: 'case', entityId: 'c-9' });
    expect(client.status).toBe(202);
    // The system's own job for that key is neither suppressed nor a conflict.
    const system = await jobs.enqueue('indexing', 'update', { ...indexing('org-s', 'c-9') }, { idempotencyKey: systemKey });
    expect(system.id).toBe(idempotentJobId('org-s', systemKey));
    expect(system.id).not.toBe(client.body.id);
    expect(await dataOf(app, await jobs.queue('indexing').getJob(system.id))).toMatchObject({ operation: 'update', entityId: 'c-9' });
  });

  it('returns the original job after 10,000 newer completions removed it from Redis', async () => {
    const queue = jobs.queue('email');
    const original = await jobs.enqueue('email', 'send-email', { organizationId: 'org-r', ...email() }, { idempotencyKey: 'keep-me' });
    await queue.addBulk(
      Array.from({ length: 10_000 }, (_, i) => ({ name: 'send-email', data: { organizationId: 'org-r', ...email(`n${i}@example.com`) } })),
    );
    const worker = new Worker('email', async () => 'ok', {
      connection,
      prefix: queuePrefix(app.config.queue.prefix, 'email'),
      concurrency: 200,
      autorun: false,
    });
    let done = 0;
    const allDone = new Promise<void>((resolve) => {
      worker.on('completed', () => {
        if (++done === 10_001) resolve();
      });
    });
    void worker.run();
    await allDone;
    await worker.close();
    expect(await queue.getJob(original.id)).toBeUndefined();
    const again = await jobs.enqueue('email', 'send-email', { organizationId: 'org-r', ...email() }, { idempotencyKey: 'keep-me' });
    expect(again).toMatchObject({ id: original.id, name: 'send-email', state: 'unknown' });
    expect(await queue.getJob(original.id)).toBeUndefined();
    await expect(
      jobs.enqueue('email', 'send-email', { organizationId: 'org-r', ...email('x@example.com') }, { idempotencyKey: 'keep-me' }),
    ).rejects.toThrow(IdempotencyConflictError);
  }, 120_000);

  it('gives jobs added before the queues had default priorities their tier', async () => {
    const old = await jobs
      .queue('ai-processing')
      .add('categorize', { organizationId: 'org-b', type: 'categorize', entityType: 'case', entityId: 'c-old' }, { priority: 0 });
    expect(await old.getState()).toBe('waiting');
    expect(await app.context.get(PriorityBackfillService).backfillAll()).toBeGreaterThanOrEqual(1);
    expect(await old.getState()).toBe('prioritized');
    expect((await jobs.queue('ai-processing').getJob(old.id!))!.priority).toBe(bandStart('normal'));
  });

  it('starts a High job enqueued behind 1,000 AI jobs given no tier', async () => {
    const ai = (i: number) => ({ organizationId: 'org-p', type: 'generate-summary' as const, entityType: 'case', entityId: `c-${i}` });
    for (let i = 0; i < 1000; i++) await jobs.enqueue('ai-processing', 'generate-summary', ai(i));
    const high = await jobs.enqueue('ai-processing', 'generate-summary', ai(-1), { priority: 'high' });
    // No waiting (unprioritized) job may exist: BullMQ takes those before any prioritized one.
    expect(await jobs.queue('ai-processing').getWaitingCount()).toBe(0);
    const worker = new Worker('ai-processing', null, { connection, prefix: queuePrefix(app.config.queue.prefix, 'ai-processing') });
    try {
      const next = (await worker.getNextJob('test-token')) as Job;
      expect(next.id).toBe(high.id);
    } finally {
      await worker.close();
    }
  });
});
