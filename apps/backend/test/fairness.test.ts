import { Job, Worker } from 'bullmq';
import type IORedis from 'ioredis';
import request from 'supertest';
import { BAND_WIDTH, bandStart } from '../src/modules/jobs/fairness/fair-order';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';
import { TenantWeights } from '../src/modules/jobs/fairness/tenant-weights';
import { TenantWeightsRepository } from '../src/modules/jobs/fairness/tenant-weights.repository';
import { DatabaseService } from '../src/modules/database/database.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import type { PriorityTier } from '../src/modules/jobs/queues';
import { startTestApp, TestApp } from './harness/app';
import { uniquePrefix } from './harness/config';
import { adminAuth, bearer, viewerAndOperator } from './harness/http';
import { closeRedisClients, redisClient } from './harness/redis';
import { eventually } from './harness/wait';

const indexing = (organizationId: string, entityId = 'c-1') => ({
  organizationId,
  operation: 'update' as const,
  entityType: 'case',
  entityId,
});

afterAll(closeRedisClients);

/** The tenants of the jobs waiting in a queue, in the order BullMQ will hand them out. */
async function waitingOrder(redis: IORedis, app: TestApp, queue: string): Promise<string[]> {
  const prefix = `${queuePrefix(app.config.queue.prefix, queue)}:${queue}`;
  const ids = await redis.zrange(`${prefix}:prioritized`, 0, -1);
  const out: string[] = [];
  for (const id of ids) out.push((JSON.parse((await redis.hget(`${prefix}:${id}`, 'data'))!) as { organizationId: string }).organizationId);
  return out;
}

/** Takes jobs off a queue with a no-op processor, recording whose each one was (and its id, in `ids`). */
function drain(app: TestApp, queue: string, taken: string[], concurrency = 1, ids: string[] = []): Worker {
  return new Worker(
    queue,
    async (job: Job) => {
      taken.push((job.data as { organizationId: string }).organizationId);
      ids.push(job.id!);
    },
    { connection: redisClient(), prefix: queuePrefix(app.config.queue.prefix, queue), concurrency },
  );
}

const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;

describe('fair order within a tier', () => {
  let app: TestApp;
  let jobs: JobsService;
  let redis: IORedis;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', QUEUE_PREFIX: uniquePrefix() });
    jobs = app.context.get(JobsService, { strict: false });
    redis = redisClient();
  });
  afterAll(async () => {
    await app.close();
    await redis.quit();
  });
  beforeEach(async () => {
    await jobs.queue('indexing').obliterate({ force: true });
    await jobs.queue('ai-processing').obliterate({ force: true });
  });

  const flood = async (org: string, n: number, priority?: PriorityTier, distinctEntities = false) => {
    for (let i = 0; i < n; i++) await jobs.enqueue('indexing', 'update', indexing(org, distinctEntities ? `c-${i}` : 'c-1'), { priority });
  };

  it('interleaves tenants that arrive after a flood instead of queueing them behind it', async () => {
    await flood('org-a', 30);
    await flood('org-b', 3);
    await flood('org-c', 3);
    const order = await waitingOrder(redis, app, 'indexing');
    expect(order.slice(0, 9)).toEqual(['org-a', 'org-b', 'org-c', 'org-a', 'org-b', 'org-c', 'org-a', 'org-b', 'org-c']);
    expect(order.slice(9)).toEqual(Array(27).fill('org-a'));
  });

  it('keys the order by organization only: spreading a flood over many entity ids gains nothing', async () => {
    await flood('org-a', 30, undefined, true);
    await flood('org-b', 3);
    const order = await waitingOrder(redis, app, 'indexing');
    expect(order.slice(0, 6)).toEqual(['org-a', 'org-b', 'org-a', 'org-b', 'org-a', 'org-b']);
  });

  it('keeps tiers first: any tenant’s High runs before any tenant’s Normal, fair order inside each', async () => {
    await flood('org-a', 10, 'low');
    await flood('org-a', 10, 'normal');
    await flood('org-b', 2, 'low');
    await flood('org-c', 2, 'high');
    await flood('org-a', 2, 'high');
    const order = await waitingOrder(redis, app, 'indexing');
    expect(order.slice(0, 4)).toEqual(['org-c', 'org-a', 'org-c', 'org-a']);
    expect(order.slice(4, 14)).toEqual(Array(10).fill('org-a'));
    expect(order.slice(14, 18)).toEqual(['org-a', 'org-b', 'org-a', 'org-b']);
    // Each tier's jobs sit in its own band of priorities.
    const prefix = `${queuePrefix(app.config.queue.prefix, 'indexing')}:indexing`;
    const scores = (await redis.zrange(`${prefix}:prioritized`, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    const priorities = scores.map((s) => Math.floor(s / 2 ** 32));
    expect(priorities.slice(0, 4).every((p) => p >= bandStart('high') && p < bandStart('normal'))).toBe(true);
    expect(priorities.slice(4, 14).every((p) => p >= bandStart('normal') && p < bandStart('low'))).toBe(true);
    expect(priorities.slice(14).every((p) => p >= bandStart('low') && p < bandStart('low') + BAND_WIDTH)).toBe(true);
  });

  it('gives a tenant of weight 3 three jobs for each of a weight-1 tenant’s', async () => {
    const repo = app.context.get(TenantWeightsRepository, { strict: false });
    await repo.set('org-heavy', { weight: 3, maxPending: null, aiCallsPerMinute: null }, 'test');
    await app.context.get(TenantWeights, { strict: false }).refresh();
    try {
      await flood('org-light', 100);
      await flood('org-heavy', 100);
      const first = (await waitingOrder(redis, app, 'indexing')).slice(0, 80);
      expect(count(first, 'org-heavy')).toBe(60);
      expect(count(first, 'org-light')).toBe(20);
    } finally {
      await repo.reset('org-heavy');
      await app.context.get(TenantWeights, { strict: false }).refresh();
    }
  });

  it('is work-conserving: a tenant alone gets the whole queue, in its own order', async () => {
    await flood('org-solo', 50, undefined, true);
    const taken: string[] = [];
    const ids: string[] = [];
    const worker = drain(app, 'indexing', taken, 1, ids);
    try {
      await eventually(async () => taken.length === 50, 10_000);
      expect(await jobs.queue('indexing').getPrioritizedCount()).toBe(0);
      // Ids count up in enqueue order (obliterate keeps the counter): FIFO for a tenant alone.
      const numbers = ids.map(Number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    } finally {
      await worker.close();
    }
    // Drained: nothing of the tenant is left pending.
    expect(await jobs.pendingByTenant('indexing')).toEqual([]);
  });

  it('lets a tenant arriving while a flood drains through within a few jobs', async () => {
    await flood('org-a', 300);
    const taken: string[] = [];
    const worker = drain(app, 'indexing', taken);
    try {
      await eventually(async () => taken.length >= 50, 10_000);
      const before = taken.length;
      await flood('org-b', 5);
      await eventually(async () => count(taken, 'org-b') === 5, 10_000);
      const lastB = taken.lastIndexOf('org-b');
      // B's five jobs alternate with A's (plus the jobs taken while B was being enqueued).
      expect(lastB - before).toBeLessThan(5 * 2 + 10);
      await eventually(async () => taken.length === 305, 20_000);
    } finally {
      await worker.close();
    }
  });

  it('starts a drained tier again from the front: a new tenant after a drained flood is not behind it', async () => {
    await flood('org-a', 100);
    const taken: string[] = [];
    const worker = drain(app, 'indexing', taken, 5);
    try {
      await eventually(async () => taken.length === 100, 10_000);
      await worker.close();
      await flood('org-b', 2);
      await flood('org-a', 2);
      const prefix = `${queuePrefix(app.config.queue.prefix, 'indexing')}:indexing`;
      const scores = (await redis.zrange(`${prefix}:prioritized`, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
      // Offsets from the band's start: the origin moved to the drained tier's virtual time.
      expect(scores.map((s) => Math.floor(s / 2 ** 32) - bandStart('low'))).toEqual([0, 0, 1, 1]);
    } finally {
      await worker.close();
    }
  });

  it('refuses nothing and places nothing unfairly when the same idempotency key is sent again', async () => {
    const a = await jobs.enqueue('indexing', 'update', indexing('org-k'), { idempotencyKey: 'once' });
    const b = await jobs.enqueue('indexing', 'update', indexing('org-k'), { idempotencyKey: 'once' });
    expect(b.id).toBe(a.id);
    await jobs.enqueue('indexing', 'update', indexing('org-k', 'c-2'));
    const prefix = `${queuePrefix(app.config.queue.prefix, 'indexing')}:indexing`;
    const scores = (await redis.zrange(`${prefix}:prioritized`, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    expect(scores.map((s) => Math.floor(s / 2 ** 32) - bandStart('low'))).toEqual([0, 1]);
  });
});

describe('the pending cap', () => {
  let app: TestApp;
  let jobs: JobsService;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', FAIRNESS_MAX_PENDING: '5', FAIRNESS_RETRY_AFTER_SECONDS: '7' });
    jobs = app.context.get(JobsService, { strict: false });
  });
  afterAll(() => app.close());

  const post = (org: string, entityId: string) =>
    request(app.url!).post('/api/v1/jobs/indexing').set(bearer(org)).send({ operation: 'create', entityType: 'case', entityId });

  it('answers 429 with Retry-After over the cap, stores nothing, and leaves other tenants alone', async () => {
    for (let i = 0; i < 5; i++) expect((await post('org-full', `c-${i}`)).status).toBe(202);
    const refused = await post('org-full', 'c-5');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('7');
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', queue: 'indexing', pending: 5, limit: 5 });
    expect(await jobs.queue('indexing').getPrioritizedCount()).toBe(5);
    // The job-id counter the refusal borrowed is back: the next job gets the next id.
    const other = await post('org-other', 'c-1');
    expect(other.status).toBe(202);
    expect(other.body.id).toBe('6');
    // A job taken off the queue frees a place.
    const taken: string[] = [];
    const worker = drain(app, 'indexing', taken);
    await eventually(async () => taken.length === 6, 10_000);
    await worker.close();
    expect((await post('org-full', 'c-6')).status).toBe(202);
  });

  it('refuses a case write whose jobs would pass the cap, whole: 429 and no case stored', async () => {
    const org = 'org-cases';
    for (let i = 0; i < 5; i++) expect((await post(org, `x-${i}`)).status).toBe(202);
    const created = await request(app.url!)
      .post('/api/v1/cases')
      .set(bearer(org))
      .send({ title: 'Expense fraud', description: 'Receipts do not match', priority: 'medium' });
    expect(created.status).toBe(429);
    expect(created.headers['retry-after']).toBe('7');
    const list = await request(app.url!).get('/api/v1/cases').set(bearer(org));
    expect(list.status).toBe(200);
    expect(list.body.items ?? list.body).toHaveLength(0);
  });

  it('refuses a reindex request at the cap with 429, storing none of its jobs', async () => {
    const org = 'org-reindex';
    for (let i = 0; i < 5; i++) expect((await post(org, `r-${i}`)).status).toBe(202);
    const before = await jobs.queue('indexing').getPrioritizedCount();
    const res = await request(app.url!).post('/api/v1/search/reindex').set(bearer(org)).send({});
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(await jobs.queue('indexing').getPrioritizedCount()).toBe(before);
  });
});

describe('the weights admin API', () => {
  const VIEWER = { username: 'vera', password: 'viewer-password-0123' };
  const OPERATOR = { username: 'otto', password: 'operator-password-0123' };
  let app: TestApp;
  let jobs: JobsService;
  let redis: IORedis;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', ADMIN_USERS: await viewerAndOperator(VIEWER, OPERATOR) });
    jobs = app.context.get(JobsService, { strict: false });
    redis = redisClient();
  });
  afterAll(() => app.close());

  const as = (who: { username: string; password: string }) => adminAuth(who.username, who.password);

  it('lets an operator set a weight that the next enqueue uses, and a viewer only read', async () => {
    const put = await request(app.url!).put('/admin/api/fairness/weights/org-gold').set(as(OPERATOR)).send({ weight: 3 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ organizationId: 'org-gold', weight: 3, updatedBy: OPERATOR.username });
    const refused = await request(app.url!).put('/admin/api/fairness/weights/org-gold').set(as(VIEWER)).send({ weight: 1 });
    expect(refused.status).toBe(403);

    for (let i = 0; i < 20; i++) await jobs.enqueue('indexing', 'update', indexing('org-plain', `c-${i}`));
    for (let i = 0; i < 20; i++) await jobs.enqueue('indexing', 'update', indexing('org-gold', `c-${i}`));
    const first = (await waitingOrder(redis, app, 'indexing')).slice(0, 20);
    expect(count(first, 'org-gold')).toBe(15);

    const view = await request(app.url!).get('/admin/api/fairness').set(as(VIEWER));
    expect(view.status).toBe(200);
    expect(view.body.weights).toEqual([expect.objectContaining({ organizationId: 'org-gold', weight: 3 })]);
    const indexingUse = (view.body.queues as { queue: string; tenants: unknown[] }[]).find((q) => q.queue === 'indexing');
    expect(indexingUse?.tenants).toEqual([
      { organizationId: 'org-gold', pending: 20, weight: 3 },
      { organizationId: 'org-plain', pending: 20, weight: 1 },
    ]);

    // The console page: who is using each queue now, for any admin role.
    const page = await request(app.url!).get('/admin/fairness').set(as(VIEWER));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const indexingTable = page.text.slice(page.text.indexOf('data-queue="indexing"'));
    expect(indexingTable.slice(0, indexingTable.indexOf('</table>'))).toMatch(/org-gold<\/td>\s*<td>20<\/td>\s*<td>3<\/td>/);
    expect(page.text).toContain(`<td>${OPERATOR.username}</td>`);

    expect((await request(app.url!).delete('/admin/api/fairness/weights/org-gold').set(as(OPERATOR))).status).toBe(204);
    expect((await request(app.url!).delete('/admin/api/fairness/weights/org-gold').set(as(OPERATOR))).status).toBe(404);
    expect(app.context.get(TenantWeights, { strict: false }).of('org-gold')).toBe(1);

    // Every change is in the append-only audit trail, with what it changed; the refused and the
    // ineffective ones (a viewer's PUT, the second DELETE) changed nothing and left no done row.
    const audit = await app.context
      .get(DatabaseService, { strict: false })
      .query<{ action: string; actor: string; actor_role: string; outcome: string; detail: string; after_hash: string | null }>(
        `SELECT action, actor, actor_role, outcome, detail, after_hash FROM dead_letter_audit WHERE entry_id = 'org-gold' ORDER BY at, id`,
      );
    expect(audit.map((a) => [a.action, a.actor, a.actor_role, a.outcome])).toEqual([
      ['fairness-set', OPERATOR.username, 'operator', 'done'],
      ['fairness-reset', OPERATOR.username, 'operator', 'done'],
    ]);
    expect(JSON.parse(audit[0].detail)).toEqual({ before: null, after: { weight: 3, maxPending: null, aiCallsPerMinute: null } });
    expect(JSON.parse(audit[1].detail)).toEqual({ before: { weight: 3, maxPending: null, aiCallsPerMinute: null }, after: null });
    expect(audit[1].after_hash).toBeNull();
  });

  it('applies a tenant’s own pending cap, and the configured one again once it is reset', async () => {
    const put = await request(app.url!)
      .put('/admin/api/fairness/weights/org-small-plan')
      .set(as(OPERATOR))
      .send({ weight: 1, maxPending: 2, aiCallsPerMinute: 30 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ weight: 1, maxPending: 2, aiCallsPerMinute: 30 });
    const post = (i: number) =>
      request(app.url!)
        .post('/api/v1/jobs/indexing')
        .set(bearer('org-small-plan'))
        .send({ operation: 'create', entityType: 'case', entityId: `p-${i}` });
    expect((await post(1)).status).toBe(202);
    expect((await post(2)).status).toBe(202);
    const refused = await post(3);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ pending: 2, limit: 2 });
    const weights = app.context.get(TenantWeights, { strict: false });
    expect(weights.aiCallsPerMinuteOf('org-small-plan')).toBe(30);
    expect(weights.aiCallsPerMinuteOf('org-other')).toBe(0);
    const page = await request(app.url!).get('/admin/fairness').set(as(VIEWER));
    expect(page.text).toMatch(/org-small-plan<\/td>\s*<td>1<\/td>\s*<td>2<\/td>\s*<td>30<\/td>/);
    expect((await request(app.url!).delete('/admin/api/fairness/weights/org-small-plan').set(as(OPERATOR))).status).toBe(204);
    expect((await post(3)).status).toBe(202);
  });

  it.each([
    [{ weight: 1, maxPending: -1 }, 'maxPending', /at least 0/],
    [{ weight: 1, aiCallsPerMinute: 'many' }, 'aiCallsPerMinute', /must be a number/],
    [{ maxPending: 5 }, 'weight', /must be a number/],
    [{ weight: 0 }, 'weight', /at least 1/],
    [{ weight: 101 }, 'weight', /at most 100/],
    [{ weight: 1.5 }, 'weight', /whole number/],
    [{ weight: '3' }, 'weight', /must be a number/],
    [{ weight: 2, organizationId: 'x' }, 'organizationId', /not a field/],
  ])('answers 400 naming the field for %j', async (body, field, message) => {
    const res = await request(app.url!).put('/admin/api/fairness/weights/org-x').set(as(OPERATOR)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]));
  });
});

describe('per-tenant metrics', () => {
  let app: TestApp;
  let jobs: JobsService;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', FAIRNESS_METRICS_TOP_K: '2' });
    jobs = app.context.get(JobsService, { strict: false });
  });
  afterAll(() => app.close());

  it('names the top k tenants by pending jobs and sums the rest as other', async () => {
    const sizes: [string, number][] = [
      ['org-m1', 7],
      ['org-m2', 5],
      ['org-m3', 2],
      ['org-m4', 1],
    ];
    for (const [org, n] of sizes) for (let i = 0; i < n; i++) await jobs.enqueue('indexing', 'update', indexing(org, `c-${i}`));
    const text = (await request(app.url!).get('/metrics')).text;
    const lines = text.split('\n').filter((l) => l.startsWith('ethico_tenant_pending_jobs{') && l.includes('queue="indexing"'));
    expect(lines.sort()).toEqual(
      [
        'ethico_tenant_pending_jobs{queue="indexing",tenant="org-m1",role="api"} 7',
        'ethico_tenant_pending_jobs{queue="indexing",tenant="org-m2",role="api"} 5',
        'ethico_tenant_pending_jobs{queue="indexing",tenant="other",role="api"} 3',
      ].sort(),
    );
  });
});

describe('with fairness switched off', () => {
  let app: TestApp;
  let jobs: JobsService;
  let redis: IORedis;
  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api', FAIRNESS_ENABLED: 'false', FAIRNESS_MAX_PENDING: '3' });
    jobs = app.context.get(JobsService, { strict: false });
    redis = redisClient();
  });
  afterAll(() => app.close());

  it('is first come, first served within a tier, with the classic priorities and no pending cap', async () => {
    for (let i = 0; i < 10; i++) await jobs.enqueue('indexing', 'update', indexing('org-a', `c-${i}`));
    for (let i = 0; i < 3; i++) await jobs.enqueue('indexing', 'update', indexing('org-b', `c-${i}`));
    expect(await waitingOrder(redis, app, 'indexing')).toEqual([...Array(10).fill('org-a'), ...Array(3).fill('org-b')]);
    const prefix = `${queuePrefix(app.config.queue.prefix, 'indexing')}:indexing`;
    const scores = (await redis.zrange(`${prefix}:prioritized`, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    expect(new Set(scores.map((s) => Math.floor(s / 2 ** 32)))).toEqual(new Set([5]));
    expect(await redis.exists(`${prefix}:fair:state`)).toBe(0);
  });
});
