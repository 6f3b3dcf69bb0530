import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { RunningRedis, startRedisServer } from '../src/dev/embedded/redis-server';
import { DatabaseService } from '../src/modules/database/database.service';
import { idempotentJobId, JobsService } from '../src/modules/jobs/jobs.service';
import { JobOutboxRepository, outboxJob } from '../src/modules/jobs/outbox/job-outbox.repository';
import { OutboxRelayService } from '../src/modules/jobs/outbox/outbox-relay.service';
import { PayloadSealer } from '../src/modules/jobs/sealing/payload-sealer';
import { dataOf, startTestApp, TestApp } from './harness/app';
import { uniquePrefix } from './harness/config';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

/** Its own Redis, so stopping it affects no other test; its own queue prefix, so its outbox rows are its own. */
describe('transactional job outbox', () => {
  let redis: RunningRedis;
  let app: TestApp;
  let pg: Client;
  const dir = mkdtempSync(join(tmpdir(), 'ethico-outbox-'));
  const prefix = uniquePrefix();
  const org = `org-ob-${Date.now()}`;
  const env = () => ({ APP_ROLE: 'api' as const, QUEUE_PREFIX: prefix, OUTBOX_POLL_INTERVAL_MS: '50' });

  beforeAll(async () => {
    redis = await startRedisServer({ dir });
    app = await startTestApp({ ...env(), REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) });
    pg = new Client({ connectionString: app.config.database.url });
    await pg.connect();
  });
  afterAll(async () => {
    await app.close();
    await redis.stop();
    await pg.end();
  });

  const api = () => request(app.url!);
  const pending = async () =>
    (
      await pg.query('SELECT count(*)::int AS n FROM job_outbox WHERE queue_prefix = $1 AND sent_at IS NULL AND rejected_at IS NULL', [
        prefix,
      ])
    ).rows[0].n as number;
  const jobs = () => app.context.get(JobsService);
  const jobOf = (queue: 'indexing' | 'email' | 'ai-processing', key: string) => jobs().queue(queue).getJob(idempotentJobId(org, key));

  it('stages nothing when the write rolls back', async () => {
    const db = app.context.get(DatabaseService);
    const outbox = app.context.get(JobOutboxRepository);
    const job = outboxJob(
      'indexing',
      'update',
      { organizationId: org, operation: 'update', entityType: 'case', entityId: 'rolled-back' },
      { idempotencyKey: 'rb' },
    );
    await expect(
      db.transaction(async (client) => {
        await outbox.stage(client, [job]);
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    const rows = await pg.query(`SELECT count(*)::int AS n FROM job_outbox WHERE queue_prefix = $1 AND idempotency_key = 'rb'`, [prefix]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('keeps every committed job while Redis is down and enqueues each exactly once when it returns', async () => {
    await redis.stop();
    const cases: { id: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await api()
        .post('/api/v1/cases')
        .set(bearer(org))
        .send({ title: `Outage case ${i}` });
      expect(created.status).toBe(201);
      const assigned = await api()
        .patch(`/api/v1/cases/${created.body.id}`)
        .set(bearer(org))
        .send({ assigneeEmail: `agent${i}@example.com` });
      expect(assigned.status).toBe(200);
      cases.push(created.body);
    }
    // create: index v1 + 2 AI jobs; assignment: index v2 + email.
    expect(await pending()).toBe(20 * 5);
    // Staged sealed, as Redis will hold them: the tenant in clear, the addresses and titles not.
    const staged = (await pg.query(`SELECT data::text AS data FROM job_outbox WHERE queue_prefix = $1 AND sent_at IS NULL`, [prefix])).rows;
    expect(staged.every((r: { data: string }) => r.data.includes(org) && r.data.includes('"sealed"'))).toBe(true);
    expect(staged.some((r: { data: string }) => /agent\d+@example\.com|Outage case/.test(r.data))).toBe(false);

    redis = await startRedisServer({ dir, port: redis.port });
    await eventually(async () => (await pending()) === 0, 20_000, 100);
    for (const c of cases) {
      expect(await jobOf('indexing', `index:case:${c.id}:v1`)).toBeDefined();
      expect(await jobOf('indexing', `index:case:${c.id}:v2`)).toBeDefined();
      expect(await jobOf('email', `case-assigned:${c.id}:v2`)).toBeDefined();
      expect(await jobOf('ai-processing', `ai:generate-summary:case:${c.id}:v1`)).toBeDefined();
    }
    const stored = (await jobs().queue('email').getJobs(['prioritized', 'waiting'])).filter((j) => j.data.organizationId === org);
    const emails = await Promise.all(stored.map(async (j) => ({ data: await dataOf<{ to: string }>(app, j) })));
    expect(emails).toHaveLength(20);
    expect(new Set(emails.map((e) => e.data.to)).size).toBe(20);
  }, 60_000);

  it('enqueues a row sent twice (a relay died before marking it) as one job', async () => {
    const before = await jobs().queue('email').count();
    await pg.query(`UPDATE job_outbox SET sent_at = NULL WHERE queue_prefix = $1 AND queue = 'email'`, [prefix]);
    await eventually(async () => (await pending()) === 0, 10_000, 50);
    expect(await jobs().queue('email').count()).toBe(before);
  });

  it('relays what a process that died after committing left behind, from another process', async () => {
    await redis.stop();
    const created = await api().post('/api/v1/cases').set(bearer(org)).send({ title: 'Left behind' });
    expect(created.status).toBe(201);
    expect(await pending()).toBe(3);
    await app.close();
    redis = await startRedisServer({ dir, port: redis.port });
    app = await startTestApp({ ...env(), REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) });
    await eventually(async () => (await pending()) === 0, 10_000, 50);
    expect(await jobOf('indexing', `index:case:${created.body.id}:v1`)).toBeDefined();
  });

  it('runs one relay at a time per queue prefix, and sets aside a row that can never be enqueued', async () => {
    const relay = app.context.get(OutboxRelayService);
    const lock = new Client({ connectionString: app.config.database.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [730_196_622, prefix]);
      expect(await relay.relayOnce()).toEqual({ leader: false, sent: 0, rejected: 0, failed: 0 });
      await lock.query('ROLLBACK');
    } finally {
      await lock.end();
    }
    await pg.query(
      `INSERT INTO job_outbox (queue_prefix, queue, job_name, data, idempotency_key) VALUES ($1, 'indexing', 'update', '{"organizationId": "x"}', 'bad')`,
      [prefix],
    );
    await eventually(async () => (await pending()) === 0, 10_000, 50);
    const [row] = (
      await pg.query(`SELECT rejected_at, last_error FROM job_outbox WHERE queue_prefix = $1 AND idempotency_key = 'bad'`, [prefix])
    ).rows;
    expect(row.rejected_at).not.toBeNull();
    expect(row.last_error).toMatch(/operation/);
  });

  it('sets aside a row whose tenant was shredded after the write committed', async () => {
    const shredded = `org-ob-shred-${Date.now()}`;
    const lock = new Client({ connectionString: app.config.database.url });
    await lock.connect();
    try {
      // The relay is held off while the row is staged and the tenant's key destroyed.
      await lock.query('BEGIN');
      await lock.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [730_196_622, prefix]);
      const job = outboxJob(
        'indexing',
        'update',
        { organizationId: shredded, operation: 'update', entityType: 'case', entityId: 'c-1' },
        { idempotencyKey: 'shredded' },
      );
      await app.context.get(DatabaseService).transaction((client) => app.context.get(JobOutboxRepository).stage(client, [job]));
      await app.context.get(PayloadSealer).shred(shredded);
      await lock.query('ROLLBACK');
    } finally {
      await lock.end();
    }
    await eventually(async () => (await pending()) === 0, 10_000, 50);
    const [row] = (
      await pg.query(`SELECT rejected_at, last_error FROM job_outbox WHERE queue_prefix = $1 AND idempotency_key = 'shredded'`, [prefix])
    ).rows;
    expect(row.rejected_at).not.toBeNull();
    expect(row.last_error).toMatch(/destroyed/);
    expect(await jobs().queue('indexing').getJob(idempotentJobId(shredded, 'shredded'))).toBeUndefined();
  });
});
