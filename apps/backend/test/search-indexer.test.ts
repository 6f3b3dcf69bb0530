import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { DatabaseService } from '../src/modules/database/database.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import type { IndexingJobData } from '../src/modules/jobs/types';
import { SearchDocumentsRepository } from '../src/modules/search/search-documents.repository';
import { SearchIndexerService } from '../src/modules/search/search-indexer.service';
import type { SourceDocument } from '../src/modules/search/sources';
import { startTestApp, TestApp } from './harness/app';

/** The indexer and repository on their own, against the harness's PostgreSQL (no workers consume). */
describe('SearchIndexer ordering and idempotency', () => {
  let app: TestApp;
  let db: DatabaseService;
  let indexer: SearchIndexerService;
  let documents: SearchDocumentsRepository;
  let job: Job;
  const org = `org-idx-${Date.now().toString(36)}`;

  beforeAll(async () => {
    app = await startTestApp({ APP_ROLE: 'api' });
    db = app.context.get(DatabaseService);
    indexer = app.context.get(SearchIndexerService, { strict: false });
    documents = app.context.get(SearchDocumentsRepository, { strict: false });
    // A real job for the indexer's progress calls; nothing consumes this queue here.
    job = await app.context.get(JobsService).queue('indexing').add('update', { organizationId: org });
  });
  afterAll(() => app.close());

  const insertCase = async (version: number, title: string, description = ''): Promise<string> => {
    const id = randomUUID();
    await db.query(
      `INSERT INTO cases (id, organization_id, number, version, title, description)
       VALUES ($1, $2, (SELECT coalesce(max(number), 0) + 1 FROM cases WHERE organization_id = $2), $3, $4, $5)`,
      [id, org, version, title, description],
    );
    return id;
  };
  const setCase = (id: string, version: number, title: string) =>
    db.query('UPDATE cases SET version = $3, title = $4 WHERE organization_id = $1 AND id = $2', [org, id, version, title]);
  const apply = (operation: IndexingJobData['operation'], entityId: string, data?: Record<string, unknown>) =>
    indexer.apply({ organizationId: org, operation, entityType: 'case', entityId, data }, job);
  const docOf = (entityId: string) => documents.find({ organizationId: org, entityType: 'case', entityId });

  it('keeps version 3 when version 2 is applied after it', async () => {
    const id = await insertCase(3, 'gamma title');
    expect(await apply('update', id)).toEqual({ outcome: 'indexed', version: 3 });
    // A worker that read version 2 before version 3 committed, and writes only now.
    await setCase(id, 2, 'beta title');
    expect(await apply('update', id)).toEqual({ outcome: 'unchanged', version: 2 });
    expect(await docOf(id)).toMatchObject({ version: 3, title: 'gamma title', deleted: false });
    // Applying the same version again is a no-op (retries are idempotent).
    await setCase(id, 3, 'gamma title');
    expect(await apply('update', id)).toEqual({ outcome: 'unchanged', version: 3 });
  });

  it('lets the highest of 20 concurrently applied versions win, in any order', async () => {
    const entityId = randomUUID();
    const versions = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const doc = (v: number): SourceDocument => ({ entityId, version: v, title: `title v${v}`, body: '', metadata: {} });
    await Promise.all(versions.map((v) => documents.upsert(org, 'case', [doc(v)], { sameVersion: false })));
    expect(await docOf(entityId)).toMatchObject({ version: 20, title: 'title v20' });
  });

  it('does not let an older upsert undo a delete', async () => {
    const entityId = randomUUID();
    const key = { organizationId: org, entityType: 'case', entityId };
    const doc = (v: number): SourceDocument => ({ entityId, version: v, title: `t${v}`, body: 'b', metadata: {} });
    await documents.upsert(org, 'case', [doc(4)], { sameVersion: false });
    expect(await documents.tombstone(key, 5)).toBe(true);
    // Both an update that read the row before the delete and a reindex of it arrive late.
    expect(await documents.upsert(org, 'case', [doc(4)], { sameVersion: false })).toBe(0);
    expect(await documents.upsert(org, 'case', [doc(4)], { sameVersion: true })).toBe(0);
    expect(await docOf(entityId)).toMatchObject({ version: 5, deleted: true, title: '' });
    // A delete replayed is a no-op.
    expect(await documents.tombstone(key, 5)).toBe(false);
  });

  it('removes the document and completes when the source row is gone', async () => {
    const id = await insertCase(1, 'short lived');
    await apply('create', id);
    await db.query('DELETE FROM cases WHERE id = $1', [id]);
    expect(await apply('update', id)).toEqual({ outcome: 'removed', version: null });
    expect(await docOf(id)).toMatchObject({ deleted: true });
    expect(await apply('delete', id, { version: 2 })).toEqual({ outcome: 'removed', version: 2 });
    expect(await apply('delete', id, { version: 2 })).toEqual({ outcome: 'already-removed', version: 2 });
    expect(await apply('create', randomUUID())).toEqual({ outcome: 'already-removed', version: null });
    expect(await apply('create', 'not-a-uuid')).toEqual({ outcome: 'already-removed', version: null });
  });

  it('follows the committed row when a delete arrives for a case that exists', async () => {
    const id = await insertCase(2, 'still here');
    expect(await apply('delete', id, { version: 3 })).toEqual({ outcome: 'indexed', version: 2 });
    expect(await docOf(id)).toMatchObject({ version: 2, deleted: false });
  });

  it('fails an unknown entity type without retrying', async () => {
    await expect(
      indexer.apply({ organizationId: org, operation: 'update', entityType: 'invoice', entityId: 'x' }, job),
    ).rejects.toMatchObject({
      name: 'UnrecoverableError',
    });
  });
});
