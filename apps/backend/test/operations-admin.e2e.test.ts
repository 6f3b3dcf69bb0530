import type { Job } from 'bullmq';
import { Client } from 'pg';
import request from 'supertest';
import { payloadHash } from '../src/modules/admin/dead-letter-audit.repository';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { adminAuth, viewerAndOperator } from './harness/http';

const VIEWER = { username: 'vera', password: 'viewer-password-42' };
const OPERATOR = { username: 'otto', password: 'operator-password-42' };
const viewer = () => adminAuth(VIEWER.username, VIEWER.password);
const operator = () => adminAuth(OPERATOR.username, OPERATOR.password);

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

describe('admin roles, CSRF and the audit trail', () => {
  let app: TestApp;
  let seq = 0;

  beforeAll(async () => {
    const users = await viewerAndOperator(VIEWER, OPERATOR);
    app = await startTestApp({ APP_ROLE: 'api', ADMIN_USERS: users });
  });
  afterAll(() => app.close());

  /** A dead letter for a job that never ran here (this app has no workers). */
  async function deadLetter(
    data: Record<string, unknown>,
    queue: 'email' | 'ai-processing' = 'email',
    name = 'send-email',
  ): Promise<string> {
    const job = {
      id: `adm-${++seq}`,
      name,
      data,
      stacktrace: ['Error: boom'],
      attemptsMade: 3,
      processedOn: Date.now(),
      finishedOn: Date.now(),
      opts: {},
    };
    return app.context.get(DeadLetterService).record(queue, job as unknown as Job, 'provider said no to dana@example.com');
  }

  it('lets viewers read, redacted, and nothing else', async () => {
    const id = await deadLetter({
      organizationId: 'org-v',
      templateId: 't',
      to: 'dana@example.com',
      subject: 'Your report',
      context: { name: 'Dana' },
    });
    const list = await request(app.url!).get('/admin/api/dead-letter').set(viewer());
    expect(list.status).toBe(200);
    const item = list.body.items.find((i: { id: string }) => i.id === id);
    expect(item.data).toEqual({
      organizationId: 'org-v',
      templateId: 't',
      to: '[email]',
      subject: '[redacted: 11 characters]',
      context: '[redacted: 1 fields]',
    });
    // The operator reads the JSON API redacted too, and as stored only by an (audited) reveal.
    expect((await request(app.url!).get(`/admin/api/dead-letter/${id}`).set(operator())).body.data.to).toBe('[email]');
    const full = await request(app.url!).get(`/admin/api/dead-letter/${id}?reveal=true`).set(operator());
    expect(full.body.data.to).toBe('dana@example.com');

    expect((await request(app.url!).post(`/admin/api/dead-letter/${id}/replay`).set(viewer())).status).toBe(403);
    expect((await request(app.url!).post('/admin/api/dead-letter/dismiss').set(viewer()).send({})).status).toBe(403);

    const page = await request(app.url!).get(`/admin/dead-letter/${id}`).set(viewer());
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('dana@example.com');
    expect(page.text).not.toContain('Your report');
    expect(page.text).not.toContain('>Replay<');
    expect((await request(app.url!).get(`/admin/dead-letter/${id}?reveal=1`).set(viewer())).status).toBe(403);
    expect(
      (
        await request(app.url!)
          .post(`/admin/dead-letter/${id}/replay`)
          .set(viewer())
          .type('form')
          .send({ _csrf: csrfOf(page.text) })
      ).status,
    ).toBe(403);
    expect((await request(app.url!).get('/admin/dead-letter').set(adminAuth('vera', 'wrong-password'))).status).toBe(401);
  });

  it('keeps Bull Board read-only and redacted for viewers', async () => {
    await deadLetter({ organizationId: 'org-b', templateId: 't', to: 'erin@example.com', context: {} });
    const queues = await request(app.url!).get('/admin/queues/api/queues?activeQueue=dead-letter&status=latest').set(viewer());
    expect(queues.status).toBe(200);
    expect(JSON.stringify(queues.body)).not.toContain('erin@example.com');
    expect(JSON.stringify(queues.body)).toContain('[redacted');
    for (const [method, path] of [
      ['put', '/admin/queues/api/queues/email/pause'],
      ['put', '/admin/queues/api/queues/email/retry/failed'],
      ['post', '/admin/queues/api/queues/email/add'],
      ['patch', '/admin/queues/api/queues/email/1/update-data'],
    ] as const) {
      expect({ path, status: (await request(app.url!)[method](path).set(viewer()).send({})).status }).toEqual({ path, status: 403 });
    }
    // An operator may act (pause, then resume, the email queue).
    expect((await request(app.url!).put('/admin/queues/api/queues/email/pause').set(operator())).status).toBe(200);
    expect((await request(app.url!).put('/admin/queues/api/queues/email/resume').set(operator())).status).toBe(200);
    const asOperator = await request(app.url!).get('/admin/queues/api/queues?activeQueue=dead-letter&status=latest').set(operator());
    expect(JSON.stringify(asOperator.body)).toContain('erin@example.com');
  });

  it('refuses cross-site writes and console forms without a valid token', async () => {
    const id = await deadLetter({ organizationId: 'org-c', templateId: 't', to: 'c@example.com', context: {} });
    const page = await request(app.url!).get(`/admin/dead-letter/${id}`).set(operator());
    const token = csrfOf(page.text);
    expect(token).not.toBe('');
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      request(app.url!).post(`/admin/dead-letter/${id}/dismiss`).set(operator()).set(headers).type('form').send(body);
    expect((await post({ Origin: 'https://evil.example' }, { _csrf: token })).status).toBe(403);
    expect((await post({ 'Sec-Fetch-Site': 'cross-site' }, { _csrf: token })).status).toBe(403);
    expect((await post({}, { _csrf: 'x' })).status).toBe(403);
    expect((await post({}, {})).status).toBe(403);
    // Another user's token is not this user's.
    const viewerPage = await request(app.url!).get(`/admin/dead-letter/${id}`).set(viewer());
    expect((await post({}, { _csrf: csrfOf(viewerPage.text) })).status).toBe(403);
    // The JSON API and Bull Board refuse cross-site writes too.
    expect(
      (await request(app.url!).post(`/admin/api/dead-letter/${id}/dismiss`).set(operator()).set('Origin', 'https://evil.example')).status,
    ).toBe(403);
    expect(
      (await request(app.url!).put('/admin/queues/api/queues/email/pause').set(operator()).set('Origin', 'https://evil.example')).status,
    ).toBe(403);
    // Same origin with the token: accepted.
    const ok = await post({ Origin: app.url! }, { _csrf: token });
    expect(ok.status).toBe(303);
    expect((await request(app.url!).get(`/admin/api/dead-letter/${id}`).set(operator())).body.status).toBe('dismissed');
  });

  it('validates edited payloads against the job schema, then replays and audits them', async () => {
    const id = await deadLetter(
      { organizationId: 'org-e', type: 'translate', entityType: 'case', entityId: 'c1', content: 'text' },
      'ai-processing',
      'translate',
    );
    const form = await request(app.url!).get(`/admin/dead-letter/${id}/edit`).set(operator());
    expect(form.status).toBe(200);
    const token = csrfOf(form.text);
    const bad = await request(app.url!)
      .post(`/admin/dead-letter/${id}/edit`)
      .set(operator())
      .type('form')
      .send({ _csrf: token, payload: JSON.stringify({ organizationId: 'org-e', type: 'translate', entityType: 'case', entityId: 'c1' }) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('targetLanguage');
    expect(bad.text).toContain('is required for translate');
    const notJson = await request(app.url!)
      .post(`/admin/dead-letter/${id}/edit`)
      .set(operator())
      .type('form')
      .send({ _csrf: token, payload: '{oops' });
    expect(notJson.status).toBe(400);

    const edited = {
      organizationId: 'org-e',
      type: 'translate',
      entityType: 'case',
      entityId: 'c1',
      content: 'text',
      targetLanguage: 'de',
    };
    const good = await request(app.url!)
      .post(`/admin/dead-letter/${id}/edit`)
      .set(operator())
      .type('form')
      .send({ _csrf: token, payload: JSON.stringify(edited) });
    expect(good.status).toBe(303);
    const entry = (await request(app.url!).get(`/admin/api/dead-letter/${id}`).set(operator())).body;
    expect(entry).toMatchObject({ status: 'replayed', replayedWithEditedData: true, replayedJobId: `replay-${id}` });
    const replayed = await app.context.get(JobsService).queue('ai-processing').getJob(`replay-${id}`);
    expect(await dataOf(app, replayed)).toMatchObject({ targetLanguage: 'de' });

    const page = await request(app.url!).get(`/admin/dead-letter/${id}`).set(operator());
    expect(page.text).toMatch(/data-action="edit-and-replay"[\s\S]*otto \(operator\)/);
    expect(page.text).toMatch(/data-action="reveal"/);
  });

  it('refuses an edit-and-replay that moves the job to another organization, in the console and the JSON API', async () => {
    const payload = {
      organizationId: 'org-t1',
      type: 'translate',
      entityType: 'case',
      entityId: 'c1',
      content: 'text',
      targetLanguage: 'de',
    };
    const id = await deadLetter(payload, 'ai-processing', 'translate');
    const moved = JSON.stringify({ ...payload, organizationId: 'org-t2' });

    const form = await request(app.url!).get(`/admin/dead-letter/${id}/edit`).set(operator());
    const consoleTry = await request(app.url!)
      .post(`/admin/dead-letter/${id}/edit`)
      .set(operator())
      .type('form')
      .send({ _csrf: csrfOf(form.text), payload: moved });
    expect(consoleTry.status).toBe(400);
    expect(consoleTry.text).toContain('a replay cannot move a job to another organization');

    const apiTry = await request(app.url!)
      .post(`/admin/api/dead-letter/${id}/replay`)
      .set(operator())
      .send({ data: JSON.parse(moved) });
    expect(apiTry.status).toBe(400);
    expect(apiTry.body.errors).toEqual([{ field: 'organizationId', message: expect.stringContaining('must stay "org-t1"') }]);

    const queue = app.context.get(JobsService).queue('ai-processing');
    expect(await queue.getJob(`replay-${id}`)).toBeUndefined();
    expect((await request(app.url!).get(`/admin/api/dead-letter/${id}`).set(operator())).body.status).toBe('pending');

    // The same organization with a fixed field replays, and the audit row hashes what was replayed.
    const fixed = { ...payload, targetLanguage: 'fr' };
    const ok = await request(app.url!).post(`/admin/api/dead-letter/${id}/replay`).set(operator()).send({ data: fixed });
    expect(ok.status).toBe(200);
    const replayed = await queue.getJob(`replay-${id}`);
    expect(await dataOf(app, replayed)).toMatchObject({ organizationId: 'org-t1', targetLanguage: 'fr' });
    const pg = new Client({ connectionString: app.config.database.url });
    await pg.connect();
    try {
      const rows = await pg.query(
        "SELECT action, organization_id, after_hash FROM dead_letter_audit WHERE entry_id = $1 AND action <> 'reveal'",
        [id],
      );
      expect(rows.rows).toEqual([
        { action: 'edit-and-replay', organization_id: 'org-t1', after_hash: payloadHash(await dataOf(app, replayed)) },
      ]);
    } finally {
      await pg.end();
    }
  });

  it('bulk-dismisses the filtered set after a confirmation step, one audit row each', async () => {
    // Unique per run: the audit table is shared by every test on the database, and entry ids repeat across queue prefixes.
    const bulkOrg = `org-bulk-${Date.now()}`;
    const otherOrg = `org-other-${Date.now()}`;
    const ids = [
      await deadLetter({ organizationId: bulkOrg, templateId: 't', to: 'b1@example.com', context: {} }),
      await deadLetter({ organizationId: bulkOrg, templateId: 't', to: 'b2@example.com', context: {} }),
    ];
    const other = await deadLetter({ organizationId: otherOrg, templateId: 't', to: 'o@example.com', context: {} });
    const list = await request(app.url!).get(`/admin/dead-letter?organization=${bulkOrg}`).set(operator());
    expect(list.text).toContain('2 entries');
    const token = csrfOf(list.text);
    const confirm = await request(app.url!)
      .post('/admin/dead-letter/bulk')
      .set(operator())
      .type('form')
      .send({ _csrf: token, action: 'dismiss', organization: bulkOrg, queue: '', reason: '' });
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Dismiss 2 dead letters?');
    const done = await request(app.url!)
      .post('/admin/dead-letter/bulk')
      .set(operator())
      .type('form')
      .send({ _csrf: token, action: 'dismiss', organization: bulkOrg, queue: '', reason: '', confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toContain('done=2');
    const pg = new Client({ connectionString: app.config.database.url });
    await pg.connect();
    try {
      const rows = await pg.query(
        'SELECT entry_id, action, actor, bulk_id FROM dead_letter_audit WHERE entry_id = ANY($1) AND organization_id = $2 ORDER BY entry_id',
        [ids, bulkOrg],
      );
      expect(rows.rows.map((r) => [r.entry_id, r.action, r.actor])).toEqual(ids.sort().map((i) => [i, 'dismiss', 'otto']));
      expect(new Set(rows.rows.map((r) => r.bulk_id)).size).toBe(1);
      expect(
        (await pg.query('SELECT count(*)::int AS n FROM dead_letter_audit WHERE entry_id = $1 AND organization_id = $2', [other, otherOrg]))
          .rows[0].n,
      ).toBe(0);
      // Append-only: the database itself refuses to change or remove rows.
      await expect(pg.query("UPDATE dead_letter_audit SET actor = 'mallory' WHERE entry_id = $1", [ids[0]])).rejects.toThrow(/append-only/);
      await expect(pg.query('DELETE FROM dead_letter_audit WHERE entry_id = $1', [ids[0]])).rejects.toThrow(/append-only/);
      await expect(pg.query('TRUNCATE dead_letter_audit')).rejects.toThrow(/append-only/);
    } finally {
      await pg.end();
    }
  });
});
