import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { scriptedWorkers, Script } from './fixtures/scripted.processor';
import { startTestApp, TestApp } from './harness/app';
import { adminAuth } from './harness/http';
import { eventually } from './harness/wait';

describe('retries, backoff and the dead-letter queue', () => {
  let app: TestApp;
  let email: Queue;
  let deadLetters: DeadLetterService;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'all' }, { workers: scriptedWorkers() });
    email = app.context.get(getQueueToken('email'), { strict: false });
    deadLetters = app.context.get(DeadLetterService, { strict: false });
  });
  afterAll(() => app.close());

  const add = (script: Script, opts: { attempts?: number; delay?: number; org?: string } = {}) =>
    email.add(
      'send-email',
      { organizationId: opts.org ?? 'org-dl', script },
      {
        attempts: opts.attempts ?? 3,
        backoff: { type: 'exponential', delay: opts.delay ?? 50 },
      },
    );

  const entriesFor = async (jobId: string) =>
    (await deadLetters.list({ queue: 'email', status: undefined }, 0, 1000)).items.filter((i) => i.jobId === jobId);

  it('retries with exponentially growing gaps, then files exactly one dead letter', async () => {
    const job = await add({ fail: 'always' }, { attempts: 4, delay: 500 });
    const [entry] = await eventually(async () => {
      const found = await entriesFor(job.id!);
      return found.length > 0 && found;
    }, 15_000);
    const detail = (await deadLetters.get(entry.id))!;
    expect(detail.attemptsMade).toBe(4);
    expect(detail.failedReason).toBe('scripted: attempt 4 failed');
    expect(detail.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const starts = detail.attempts.map((a) => Date.parse(a.startedAt!));
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // 500, 1000, 2000 ms: never early (a fixed backoff would fail the later bounds), and each gap
    // about twice the one before (timers and polling add a little).
    gaps.forEach((gap, n) => expect(gap).toBeGreaterThanOrEqual(500 * 2 ** n * 0.95));
    expect(gaps[1] / gaps[0]).toBeGreaterThan(1.6);
    expect(gaps[1] / gaps[0]).toBeLessThan(2.5);
    expect(gaps[2] / gaps[1]).toBeGreaterThan(1.6);
    expect(gaps[2] / gaps[1]).toBeLessThan(2.5);
    expect(detail.firstAttemptAt).toBe(detail.attempts[0].startedAt);
    expect(detail).toMatchObject({ queue: 'email', name: 'send-email', organizationId: 'org-dl', status: 'pending' });
    expect(detail.stacktrace[0]).toContain('scripted: attempt');
    // The sweep that catches missed failures must not file it again.
    await app.context
      .get((await import('../src/modules/jobs/runtime/worker-failures.listener')).WorkerFailuresListener, { strict: false })
      .reconcile();
    expect(await entriesFor(job.id!)).toHaveLength(1);
  });

  it('sends an UnrecoverableError to the dead-letter queue after one attempt', async () => {
    const job = await add({ fail: 'unrecoverable' }, { attempts: 5 });
    const [entry] = await eventually(async () => {
      const found = await entriesFor(job.id!);
      return found.length > 0 && found;
    });
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toBe('scripted: cannot ever succeed');
  });

  it('replays an entry into its source queue once, however often replay is asked', async () => {
    const job = await add({ fail: 'unless-replayed' }, { attempts: 1 });
    const [entry] = await eventually(async () => {
      const found = await entriesFor(job.id!);
      return found.length > 0 && found;
    });
    const [first, second] = await Promise.all([deadLetters.replay(entry.id), deadLetters.replay(entry.id)]);
    expect(first!.jobId).toBe(second!.jobId);
    const third = await deadLetters.replay(entry.id);
    expect(third).toEqual({ id: entry.id, jobId: first!.jobId, alreadyReplayed: true });
    const replayed = await eventually(async () => {
      const j = await email.getJob(first!.jobId);
      return j && (await j.isCompleted()) && j;
    });
    expect(replayed.data).toEqual(job.data);
    expect((await deadLetters.get(entry.id))!.status).toBe('replayed');
    const replays = (await email.getJobs(['completed', 'waiting', 'active', 'prioritized', 'failed'])).filter(
      (j) => j?.id === first!.jobId,
    );
    expect(replays).toHaveLength(1);
  });

  describe('admin API', () => {
    const api = () => request(app.url!);

    it('requires the admin credentials', async () => {
      expect((await api().get('/admin/api/dead-letter')).status).toBe(401);
      expect((await api().get('/admin/api/dead-letter').set(adminAuth('ops', 'wrong-password'))).status).toBe(401);
    });

    it('lists with filters and paging, shows, replays and dismisses', async () => {
      const org = `org-${Date.now()}`;
      const jobs = await Promise.all([1, 2, 3].map(() => add({ fail: 'unless-replayed' }, { attempts: 1, org })));
      const list = await eventually(async () => {
        const res = await api().get('/admin/api/dead-letter').query({ organizationId: org, queue: 'email' }).set(adminAuth());
        return res.body.total === 3 && res.body;
      });
      expect(list.items.map((i: { jobId: string }) => i.jobId).sort()).toEqual(jobs.map((j) => j.id).sort());
      expect(Object.keys(list.items[0]).sort()).toEqual(
        [
          'attemptsMade',
          'correlationId',
          'data',
          'failedAt',
          'failedReason',
          'firstAttemptAt',
          'id',
          'jobId',
          'lastAttemptAt',
          'name',
          'organizationId',
          'queue',
          'replayedJobId',
          'status',
        ].sort(),
      );
      const page = await api().get('/admin/api/dead-letter').query({ organizationId: org, limit: 2, offset: 2 }).set(adminAuth());
      expect(page.body).toMatchObject({ total: 3, items: [expect.any(Object)] });

      const id = list.items[0].id;
      expect((await api().get(`/admin/api/dead-letter/${id}`).set(adminAuth())).body).toMatchObject({ id, stacktrace: expect.any(Array) });
      expect((await api().post(`/admin/api/dead-letter/${id}/dismiss`).set(adminAuth())).status).toBe(200);
      const after = await api().get('/admin/api/dead-letter').query({ organizationId: org }).set(adminAuth());
      expect(after.body.total).toBe(2);
      const dismissed = await api().get('/admin/api/dead-letter').query({ organizationId: org, status: 'dismissed' }).set(adminAuth());
      expect(dismissed.body.items.map((i: { id: string }) => i.id)).toEqual([id]);

      const bulk = await api().post('/admin/api/dead-letter/replay').send({ organizationId: org }).set(adminAuth());
      expect(bulk.body).toEqual({ replayed: 2 });
      const again = await api().post('/admin/api/dead-letter/replay').send({ organizationId: org }).set(adminAuth());
      expect(again.body).toEqual({ replayed: 0 });
      const replayedOk = await eventually(async () => {
        const states = await Promise.all(after.body.items.map((i: { id: string }) => email.getJobState(`replay-${i.id}`)));
        return states.every((s) => s === 'completed') && states;
      });
      expect(replayedOk).toHaveLength(2);
    });

    it('answers 400 for bad filters and 404 for unknown entries', async () => {
      const bad = await api().get('/admin/api/dead-letter').query({ queue: 'nope', limit: 'x' }).set(adminAuth());
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'queue']);
      expect((await api().post('/admin/api/dead-letter/nope/replay').set(adminAuth())).status).toBe(404);
      expect((await api().post('/admin/api/dead-letter/dismiss').send({ bogus: 1 }).set(adminAuth())).status).toBe(400);
    });
  });
});
