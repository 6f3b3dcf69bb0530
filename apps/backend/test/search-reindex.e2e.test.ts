import { bandStart } from '../src/modules/jobs/fairness/fair-order';
import { QueueEvents } from 'bullmq';
import request from 'supertest';
import { DatabaseService } from '../src/modules/database/database.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { redisEnv } from './harness/config';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';
import { queuePrefix } from '../src/modules/jobs/queues/queue-prefix';

const CASES = 3_000;

describe('reindexing an organization', () => {
  let app: TestApp;
  let db: DatabaseService;
  let events: QueueEvents;
  const org = `org-reindex-${Date.now().toString(36)}`;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'all', SEARCH_REINDEX_BATCH_SIZE: '400', SEARCH_REINDEX_PAUSE_MS: '0' });
    db = app.context.get(DatabaseService);
    const redis = redisEnv();
    events = new QueueEvents('indexing', {
      connection: { host: redis.REDIS_HOST, port: Number(redis.REDIS_PORT) },
      prefix: queuePrefix(app.config.queue.prefix, 'indexing'),
    });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await app.close();
  });

  const sourceRows = () =>
    db.query<{ entity_id: string; version: number; title: string }>(
      'SELECT id::text AS entity_id, version, title FROM cases WHERE organization_id = $1 ORDER BY id::text',
      [org],
    );
  const indexRows = () =>
    db.query<{ entity_id: string; version: number; title: string }>(
      `SELECT entity_id, version, title FROM search_documents
       WHERE organization_id = $1 AND entity_type = 'case' AND deleted_at IS NULL ORDER BY entity_id`,
      [org],
    );
  const search = async (q: string) => (await request(app.url!).get('/api/v1/search').query({ q }).set(bearer(org))).body;

  it(`rebuilds ${CASES} cases in low-priority batches with progress up to 100, and the index then matches the source exactly`, async () => {
    // Inserted directly (no events): the index knows nothing of these rows yet.
    await db.query(
      `INSERT INTO cases (organization_id, number, version, title, description, category)
       SELECT $1, g, 1 + g % 3, 'Case ' || g || CASE WHEN g % 4 = 0 THEN ' embezzlement' ELSE ' harassment' END,
              'Reported on line ' || g || ' ' || md5(g::text), CASE WHEN g % 10 = 0 THEN 'finance' END
       FROM generate_series(1, $2::int) g`,
      [org, CASES],
    );
    const [first, second] = await sourceRows();
    // A stale document, a corrupted one at the current version, and one whose case no longer exists.
    await db.query(
      `INSERT INTO search_documents (organization_id, entity_type, entity_id, version, title, body) VALUES
       ($1, 'case', $2, 0, 'stale title', ''), ($1, 'case', $3, $4, 'corrupted', ''), ($1, 'case', 'gone-case', 7, 'orphan embezzlement', '')`,
      [org, first.entity_id, second.entity_id, second.version],
    );

    const progressByJob = new Map<string, number[]>();
    events.on('progress', ({ jobId: id, data }) =>
      progressByJob.set(id, [...(progressByJob.get(id) ?? []), (data as { percent: number }).percent]),
    );
    const started = Date.now();
    const res = await request(app.url!).post('/api/v1/search/reindex').set(bearer(org)).send({});
    expect(res.status).toBe(202);
    expect(res.body.jobs).toEqual([expect.objectContaining({ queue: 'indexing', name: 'reindex' })]);
    const jobId: string = res.body.jobs[0].id;
    const job = await app.context.get(JobsService).queue('indexing').getJob(jobId);
    expect(job?.opts.priority).toBe(bandStart('low')); // the tier's band start (docs/fairness.md)
    expect(await dataOf(app, job)).toMatchObject({ organizationId: org, operation: 'reindex', entityType: 'case', entityId: '*' });

    const jobView = async () => (await request(app.url!).get(`/api/v1/jobs/indexing/${jobId}`).set(bearer(org))).body;
    await eventually(
      async () => {
        const view = await jobView();
        if (view.state === 'failed') throw new Error(view.failedReason);
        return view.state === 'completed';
      },
      60_000,
      100,
    );
    // Read again: a view taken while the job was finishing can pair the final state with earlier fields.
    const done = await jobView();
    const elapsed = Date.now() - started;
    expect(done.progress).toEqual({ rows: CASES, total: CASES, percent: 100 });
    expect(done.result).toEqual({ outcome: 'reindexed', total: CASES, indexed: CASES, removed: 1 });
    const progress = await eventually(async () => progressByJob.get(jobId)?.at(-1) === 100 && progressByJob.get(jobId), 2_000);
    // Throttled to about four a second: a fast reindex reports fewer, but always its start and end.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toBe(0);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    console.log(`reindex of ${CASES} cases: ${elapsed} ms, progress ${progress.join(' ')}`);

    expect(await indexRows()).toEqual(await sourceRows());
    const [{ n: embezzlement }] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cases WHERE organization_id = $1 AND title LIKE '%embezzlement'`,
      [org],
    );
    expect(await search('embezzlement')).toMatchObject({ total: embezzlement, facets: { case: embezzlement } });
    expect((await search('harassment')).total).toBe(CASES - embezzlement);
    expect((await search('finance')).total).toBe(CASES / 10);
  });

  it('reindexes a single case on request and rejects an entity id without its type', async () => {
    const [row] = await sourceRows();
    await db.query(`UPDATE search_documents SET title = 'tampered' WHERE organization_id = $1 AND entity_id = $2`, [org, row.entity_id]);
    const res = await request(app.url!)
      .post('/api/v1/search/reindex')
      .set(bearer(org))
      .send({ entityType: 'case', entityId: row.entity_id });
    expect(res.status).toBe(202);
    await eventually(async () => (await indexRows()).find((r) => r.entity_id === row.entity_id)?.title === row.title, 5_000);

    const bad = await request(app.url!).post('/api/v1/search/reindex').set(bearer(org)).send({ entityId: row.entity_id });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'entityType', message: 'is required with entityId' }]);
    expect((await request(app.url!).post('/api/v1/search/reindex').set(bearer(org)).send({ entityType: 'invoice' })).status).toBe(400);
  });
});
