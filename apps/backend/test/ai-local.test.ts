import { bandStart } from '../src/modules/jobs/fairness/fair-order';
import { Job } from 'bullmq';
import request from 'supertest';
import { summarize } from '../src/modules/ai/local/local-algorithms';
import { idempotentJobId } from '../src/modules/jobs/jobs.service';
import { AiProcessor } from '../src/modules/jobs/processors/ai.processor';
import { AI_QUEUE_NAME } from '../src/modules/jobs/queues/ai.queue';
import { AiTestBed } from './harness/ai';
import { dataOf } from './harness/app';
import { REPORT, REPORT_SUMMARY } from './fixtures/ai-texts';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

/** No AI variables at all: the offline provider is the default. */
describe('AI with the embedded default (local provider only)', () => {
  let bed: AiTestBed;

  beforeAll(async () => {
    bed = await AiTestBed.start({ APP_ROLE: 'all' });
  });
  afterAll(() => bed?.close());

  it('defaults to the local provider when no key is configured, without a quota limiter', () => {
    expect(bed.app.config.ai.providers).toEqual(['local']);
    expect(bed.app.context.get(AiProcessor).worker.opts.limiter).toBeUndefined();
  });

  it('produces a deterministic summary and category for a fixed text', async () => {
    const org = AiTestBed.org();
    await bed.jobs.enqueue(AI_QUEUE_NAME, 'generate-summary', {
      type: 'generate-summary',
      organizationId: org,
      entityType: 'case',
      entityId: 'l1',
      content: REPORT,
    });
    await bed.jobs.enqueue(AI_QUEUE_NAME, 'categorize', {
      type: 'categorize',
      organizationId: org,
      entityType: 'case',
      entityId: 'l1',
      content: REPORT,
    });
    expect(await bed.settled(org, 'l1', 'generate-summary')).toMatchObject({
      status: 'ready',
      output: REPORT_SUMMARY,
      provider: 'local',
      model: 'extractive-v1',
      input_tokens: null,
      output_tokens: null,
      attempts: 1,
    });
    expect(await bed.settled(org, 'l1', 'categorize')).toMatchObject({
      status: 'ready',
      output: 'Harassment & Discrimination',
      provider: 'local',
    });
  });

  it('cleans up a note', async () => {
    const org = AiTestBed.org();
    await bed.jobs.enqueue(AI_QUEUE_NAME, 'note-cleanup', {
      type: 'note-cleanup',
      organizationId: org,
      entityType: 'note',
      entityId: 'n1',
      content: 'um,  spoke with   the the witness today',
    });
    const r = await eventually(async () => {
      const rows = await bed.db.query<{ status: string; output: string }>(
        `SELECT status, output FROM ai_results WHERE organization_id = $1 AND entity_id = 'n1'`,
        [org],
      );
      return rows[0]?.status === 'ready' ? rows[0] : undefined;
    });
    expect(r.output).toBe('Spoke with the witness today.');
  });

  it('translate with only local is unavailable after one attempt, with a dead letter', async () => {
    const org = AiTestBed.org();
    const job = await bed.jobs.enqueue(AI_QUEUE_NAME, 'translate', {
      type: 'translate',
      organizationId: org,
      entityType: 'case',
      entityId: 'l2',
      content: REPORT,
      targetLanguage: 'de',
    });
    const r = await bed.settled(org, 'l2', 'translate', 'unavailable');
    expect(r.reason).toContain('local: does not support translate');
    const failed = await bed.finishedJob(job.id);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.opts.attempts).toBe(5);
    await eventually(() => bed.deadLetters.has(AI_QUEUE_NAME, job.id));
  });

  it('marks the AI status unavailable whoever files the dead letter (the sweep after a crash included)', async () => {
    const org = AiTestBed.org();
    // A job that failed for good in a process that died before filing it: the sweep files it now.
    const job = new Job(
      bed.queue,
      'generate-summary',
      { type: 'generate-summary', organizationId: org, entityType: 'case', entityId: 'l9', content: REPORT },
      {},
      `sweep-${org}`,
    );
    job.attemptsMade = 5;
    await bed.deadLetters.record(AI_QUEUE_NAME, job, 'anthropic: HTTP 503');
    const r = await bed.settled(org, 'l9', 'generate-summary', 'unavailable');
    expect(r.reason).toBe('anthropic: HTTP 503');
  });

  it('a new case gets a summary and a category, read from the case row, shown on GET /cases/:id', async () => {
    const org = AiTestBed.org();
    const title = 'Supervisor harassment in the warehouse';
    const created = await request(bed.app.url!).post('/api/v1/cases').set(bearer(org)).send({ title, description: REPORT });
    expect(created.status).toBe(201);
    const caseId = created.body.id as string;

    // Normal priority, idempotent per case version, and no case text in Redis.
    for (const type of ['generate-summary', 'categorize'] as const) {
      const job = await eventually(async () => (await bed.queue.getJob(idempotentJobId(org, `ai:${type}:case:${caseId}:v1`))) ?? undefined);
      expect(job.opts.priority).toBe(bandStart('normal')); // the tier's band start (docs/fairness.md)
      expect(Object.keys(job.data).sort()).toEqual(['correlationId', 'organizationId', 'sealed']);
      expect(await dataOf(bed.app, job)).toEqual({
        type,
        organizationId: org,
        correlationId: expect.any(String),
        entityType: 'case',
        entityId: caseId,
      });
    }

    const ai = await eventually(async () => {
      const res = await request(bed.app.url!).get(`/api/v1/cases/${caseId}`).set(bearer(org));
      const items = res.body.ai?.items as { status: string }[] | undefined;
      return items?.length === 2 && items.every((i) => i.status === 'ready') ? res.body.ai : undefined;
    });
    expect(ai.items).toEqual([
      {
        type: 'categorize',
        status: 'ready',
        output: 'Harassment & Discrimination',
        provider: 'local',
        model: 'extractive-v1',
        reason: null,
        updatedAt: expect.any(String),
      },
      {
        type: 'generate-summary',
        status: 'ready',
        output: summarize(`${title}\n\n${REPORT}`, 1200),
        provider: 'local',
        model: 'extractive-v1',
        reason: null,
        updatedAt: expect.any(String),
      },
    ]);

    // Another organization sees neither the case nor its AI results.
    expect((await request(bed.app.url!).get(`/api/v1/cases/${caseId}`).set(bearer(AiTestBed.org()))).status).toBe(404);
    const foreign = await request(bed.app.url!)
      .get('/api/v1/ai/results')
      .query({ entityType: 'case', entityId: caseId })
      .set(bearer(AiTestBed.org()));
    expect(foreign.body).toEqual({ items: [] });
  });

  it('a job for a case of another organization finds nothing and fails without retrying', async () => {
    const owner = AiTestBed.org();
    const created = await request(bed.app.url!).post('/api/v1/cases').set(bearer(owner)).send({ title: 'Private', description: REPORT });
    const intruder = AiTestBed.org();
    const job = await bed.jobs.enqueue(AI_QUEUE_NAME, 'generate-summary', {
      type: 'generate-summary',
      organizationId: intruder,
      entityType: 'case',
      entityId: created.body.id,
    });
    const r = await bed.settled(intruder, created.body.id, 'generate-summary', 'unavailable');
    expect(r.reason).toContain('does not exist in this organization');
    expect((await bed.finishedJob(job.id)).attemptsMade).toBe(1);
  });
});
