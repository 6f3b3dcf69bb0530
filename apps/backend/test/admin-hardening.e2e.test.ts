import type { Job } from 'bullmq';
import { Client } from 'pg';
import request from 'supertest';
import { migrate, MIGRATION_LOCK } from '../src/modules/database/migrate';
import { DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { startTestApp, TestApp } from './harness/app';
import { adminAuth, viewerAndOperator } from './harness/http';

/** Issue #21, part B: findings of an adversarial pass on the admin surface, each reproduced here. */
const VIEWER = { username: 'vic', password: 'viewer-password-42' };
const OPERATOR = { username: 'olga', password: 'operator-password-42' };
const viewer = () => adminAuth(VIEWER.username, VIEWER.password);
const operator = () => adminAuth(OPERATOR.username, OPERATOR.password);
const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

describe('admin hardening (issue #21)', () => {
  let app: TestApp;
  let seq = 0;

  beforeAll(async () => {
    const users = await viewerAndOperator(VIEWER, OPERATOR);
    app = await startTestApp({ APP_ROLE: 'api', ADMIN_USERS: users });
  });
  afterAll(() => app.close());

  async function deadLetter(organizationId: string, reason: string): Promise<string> {
    const job = {
      id: `hard-${++seq}`,
      name: 'send-email',
      data: { organizationId, templateId: 't', to: 'secret.person@example.com', context: {} },
      stacktrace: ['Error: boom'],
      attemptsMade: 3,
      processedOn: Date.now(),
      finishedOn: Date.now(),
      opts: {},
    };
    return app.context.get(DeadLetterService).record('email', job as unknown as Job, reason);
  }

  const pending = async () =>
    (await request(app.url!).get('/admin/api/dead-letter?limit=500').set(operator())).body.items.filter(
      (i: { status: string }) => i.status === 'pending',
    ).length;

  describe('item 2: viewers filter on what they are shown', () => {
    it('does not match masked addresses in the reason filter for viewers (JSON API and console)', async () => {
      const org = `org-probe-${Date.now()}`;
      const id = await deadLetter(org, '550 mailbox secret.person@example.com unavailable');
      const probe = (who: () => Record<string, string>, reason: string) =>
        request(app.url!)
          .get(`/admin/api/dead-letter?organizationId=${org}&reason=${encodeURIComponent(reason)}`)
          .set(who());

      // A probe of the masked address finds nothing for a viewer...
      expect((await probe(viewer, 'secret.p')).body.total).toBe(0);
      expect((await probe(viewer, 'person@exa')).body.total).toBe(0);
      // ...while what viewers are shown still matches.
      const shown = await probe(viewer, 'mailbox [email] unavailable');
      expect(shown.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
      expect(shown.body.items[0].failedReason).toBe('550 mailbox [email] unavailable');
      // Operators filter on the reason as stored.
      expect((await probe(operator, 'secret.p')).body.total).toBe(1);

      const page = await request(app.url!).get(`/admin/dead-letter?organization=${org}&reason=secret.p`).set(viewer());
      expect(page.status).toBe(200);
      expect(page.text).toContain('0 entries');
      expect((await request(app.url!).get(`/admin/dead-letter?organization=${org}&reason=%5Bemail%5D`).set(viewer())).text).toContain(
        '1 entry',
      );
    });
  });

  describe('item 5: admin pages cannot be framed', () => {
    it('sends X-Frame-Options DENY and frame-ancestors none on Bull Board, its assets and the console, and the board still loads', async () => {
      const board = await request(app.url!).get('/admin/queues').set(viewer());
      expect(board.status).toBe(200);
      expect(board.text).toContain('<div id="root">');
      // Its assets are relative to <base href="/admin/queues/">.
      const asset = /<script defer src="(static\/js\/[^"]+\.js)"/.exec(board.text)?.[1];
      expect(asset).toBeDefined();
      const js = await request(app.url!).get(`/admin/queues/${asset}`).set(viewer());
      expect(js.status).toBe(200);
      const api = await request(app.url!).get('/admin/queues/api/queues').set(viewer());
      expect(api.status).toBe(200);
      for (const res of [board, js, api]) {
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
      // Bull Board's page runs inline scripts and styles: the policy lets its own through.
      expect(board.headers['content-security-policy']).toMatch(/script-src[^;]*'self'/);

      const consolePage = await request(app.url!).get('/admin/dead-letter').set(viewer());
      expect(consolePage.headers['x-frame-options']).toBe('DENY');
      expect(consolePage.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      // The sign-in challenge itself is not frameable either.
      const challenge = await request(app.url!).get('/admin/queues');
      expect(challenge.status).toBe(401);
      expect(challenge.headers['x-frame-options']).toBe('DENY');
    });
  });

  describe('item 9: operator reads leave a trace; the audit table is append-only for the app role', () => {
    it('returns payloads redacted to operators too, unless revealed, and records the reveal', async () => {
      const org = `org-reveal-${Date.now()}`;
      const id = await deadLetter(org, 'no');
      const plain = await request(app.url!).get(`/admin/api/dead-letter/${id}`).set(operator());
      expect(plain.status).toBe(200);
      expect(plain.body.data.to).toBe('[email]');
      const listed = await request(app.url!).get(`/admin/api/dead-letter?organizationId=${org}`).set(operator());
      expect(listed.body.items[0].data.to).toBe('[email]');
      expect((await request(app.url!).get(`/admin/api/dead-letter/${id}?reveal=true`).set(viewer())).status).toBe(403);
      const revealed = await request(app.url!).get(`/admin/api/dead-letter/${id}?reveal=true`).set(operator());
      expect(revealed.status).toBe(200);
      expect(revealed.body.data.to).toBe('secret.person@example.com');
      const pg = new Client({ connectionString: app.config.database.url });
      await pg.connect();
      try {
        const rows = await pg.query('SELECT action, actor FROM dead_letter_audit WHERE entry_id = $1 AND organization_id = $2', [id, org]);
        expect(rows.rows).toEqual([{ action: 'reveal', actor: 'olga' }]);
      } finally {
        await pg.end();
      }
    });

    it("refuses, on the app's own connection (the table's owner), every way to change or empty the audit table", async () => {
      const org = `org-append-${Date.now()}`;
      // Row triggers only fire on rows: make sure there is one to change.
      await request(app.url!)
        .get(`/admin/api/dead-letter/${await deadLetter(org, 'no')}?reveal=true`)
        .set(operator())
        .expect(200);
      const pg = new Client({ connectionString: app.config.database.url });
      await pg.connect();
      try {
        expect((await pg.query('SELECT count(*)::int AS n FROM dead_letter_audit WHERE organization_id = $1', [org])).rows[0].n).toBe(1);
        const refused = (sql: string) => expect(pg.query(sql)).rejects.toThrow(/append-only/);
        await refused("UPDATE dead_letter_audit SET actor = 'mallory'");
        await refused('DELETE FROM dead_letter_audit');
        await refused('TRUNCATE dead_letter_audit');
        // The owner could switch the triggers off, drop them, neuter their function or drop the table.
        await refused('ALTER TABLE dead_letter_audit DISABLE TRIGGER ALL');
        await refused('ALTER TABLE dead_letter_audit DISABLE TRIGGER dead_letter_audit_no_truncate');
        await refused('DROP TRIGGER dead_letter_audit_no_truncate ON dead_letter_audit');
        await refused(
          'CREATE OR REPLACE FUNCTION dead_letter_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END; $$',
        );
        await refused('ALTER TABLE dead_letter_audit RENAME TO dead_letter_audit_old');
        await refused('DROP TABLE dead_letter_audit');
        // The triggers are all still there and enabled.
        const triggers = await pg.query(
          "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'dead_letter_audit'::regclass AND NOT tgisinternal ORDER BY tgname",
        );
        expect(triggers.rows).toEqual([
          { tgname: 'dead_letter_audit_no_truncate', tgenabled: 'O' },
          { tgname: 'dead_letter_audit_no_update_delete', tgenabled: 'O' },
        ]);
        // A migration (a session holding the migration lock) may still change the table.
        await pg.query('BEGIN');
        try {
          await pg.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
          await pg.query("COMMENT ON TABLE dead_letter_audit IS 'changed by a migration'");
        } finally {
          await pg.query('ROLLBACK');
        }
        await refused("COMMENT ON TABLE dead_letter_audit IS 'changed by the app'");
        // Other tables' DDL is not affected.
        await pg.query('CREATE TEMP TABLE hardening_probe (x int); DROP TABLE hardening_probe');
      } finally {
        await pg.end();
      }
    });

    it('lets a separate app role, granted as documented, read and append to the audit table and nothing else', async () => {
      const pg = new Client({ connectionString: app.config.database.url });
      await pg.connect();
      const role = `audit_app_${Date.now()}`;
      const password = 'app-role-password-42';
      try {
        await pg.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
        // docs/operations.md: the app's role gets SELECT and INSERT, and the sequence, nothing more.
        await pg.query(`GRANT SELECT, INSERT ON dead_letter_audit TO ${role}`);
        await pg.query(`GRANT USAGE ON SEQUENCE dead_letter_audit_id_seq TO ${role}`);
        await pg.query(`GRANT SELECT, REFERENCES ON pgmigrations TO ${role}`);
        const privileges = await pg.query(
          "SELECT privilege_type FROM information_schema.table_privileges WHERE table_name = 'dead_letter_audit' AND grantee = 'PUBLIC'",
        );
        expect(privileges.rows).toEqual([]);
        const url = new URL(app.config.database.url);
        url.username = role;
        url.password = password;
        // The app still runs migrate() at start: with everything applied by the owner, it needs no more than that.
        expect(await migrate(url.toString())).toEqual([]);
        const asApp = new Client({ connectionString: url.toString() });
        await asApp.connect();
        try {
          await asApp.query(
            "INSERT INTO dead_letter_audit (actor, actor_role, action, entry_id, source_queue, job_name, before_hash) VALUES ('a', 'operator', 'reveal', 'hardening', 'email', 'send-email', repeat('0', 64))",
          );
          expect(
            (await asApp.query("SELECT count(*)::int AS n FROM dead_letter_audit WHERE entry_id = 'hardening'")).rows[0].n,
          ).toBeGreaterThan(0);
          for (const sql of ["UPDATE dead_letter_audit SET actor = 'm'", 'DELETE FROM dead_letter_audit', 'TRUNCATE dead_letter_audit']) {
            await expect(asApp.query(sql)).rejects.toThrow(/permission denied/);
          }
          await expect(asApp.query('ALTER TABLE dead_letter_audit DISABLE TRIGGER ALL')).rejects.toThrow(/must be owner/);
        } finally {
          await asApp.end();
        }
      } finally {
        await pg.query(`DROP OWNED BY ${role}`).catch(() => undefined);
        await pg.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
        await pg.end();
      }
    });
  });

  describe('item 11: a bulk action on everything must say so', () => {
    it('refuses a bulk replay or dismiss without a body or with an empty filter, and acts on all only with {"all": true}', async () => {
      await deadLetter(`org-all-${Date.now()}`, 'no');
      const before = await pending();
      expect(before).toBeGreaterThan(0);
      for (const action of ['replay', 'dismiss']) {
        const bare = await request(app.url!).post(`/admin/api/dead-letter/${action}`).set(operator());
        expect(bare.status).toBe(400);
        expect(JSON.stringify(bare.body)).toContain('all');
        const empty = await request(app.url!).post(`/admin/api/dead-letter/${action}`).set(operator()).send({});
        expect(empty.status).toBe(400);
        const mixed = await request(app.url!).post(`/admin/api/dead-letter/${action}`).set(operator()).send({ all: true, queue: 'email' });
        expect(mixed.status).toBe(400);
        const notTrue = await request(app.url!).post(`/admin/api/dead-letter/${action}`).set(operator()).send({ all: false });
        expect(notTrue.status).toBe(400);
      }
      expect(await pending()).toBe(before);
      const all = await request(app.url!).post('/admin/api/dead-letter/dismiss').set(operator()).send({ all: true });
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ dismissed: before });
      expect(await pending()).toBe(0);
    });

    it('makes the console confirm "every pending entry of every queue" explicitly', async () => {
      await deadLetter(`org-all-${Date.now()}`, 'no');
      const before = await pending();
      const list = await request(app.url!).get('/admin/dead-letter').set(operator());
      const token = csrfOf(list.text);
      const form = { _csrf: token, action: 'dismiss', organization: '', queue: '', reason: '' };
      const confirm = await request(app.url!).post('/admin/dead-letter/bulk').set(operator()).type('form').send(form);
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('every pending entry of every queue');
      expect(confirm.text).toMatch(/<input[^>]*type="checkbox"[^>]*name="all"[^>]*required/);
      // The old confirmation alone is not enough for an empty filter.
      const unconfirmed = await request(app.url!)
        .post('/admin/dead-letter/bulk')
        .set(operator())
        .type('form')
        .send({ ...form, confirm: 'yes' });
      expect(unconfirmed.status).toBe(400);
      expect(await pending()).toBe(before);
      const done = await request(app.url!)
        .post('/admin/dead-letter/bulk')
        .set(operator())
        .type('form')
        .send({ ...form, confirm: 'yes', all: 'yes' });
      expect(done.status).toBe(303);
      expect(await pending()).toBe(0);
    });
  });
});
