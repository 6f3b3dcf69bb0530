import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import IORedis from 'ioredis';
import request from 'supertest';
import { startRedisServer, RunningRedis } from '../src/dev/embedded/redis-server';
import { deadLetterEntryId, DeadLetterService } from '../src/modules/jobs/dead-letter/dead-letter.service';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { WORK_QUEUES } from '../src/modules/jobs/types';
import { runPayloadKeysCommand } from '../src/dev/payload-keys.cli';
import { startTestApp, TestApp } from './harness/app';
import { testEnv } from './harness/config';
import { adminAuth, bearer } from './harness/http';
import { startSmtpServer, TestSmtpServer } from './harness/smtp';
import { eventually } from './harness/wait';

// What a whistleblower report carries: its text, a name, addresses. None of it may reach Redis in clear.
const NAME = 'Marguerite Okonkwo-Lindqvist';
const REPORT = `On 3 March I saw the regional controller, ${NAME}, falsify the Lyon warehouse invoices and shred the originals.`;
const ADDRESS = '17 Rue des Glycines, Lyon';
const EMAIL = 'm.okonkwo-lindqvist@whistle.example';
const REJECTED = 'former.assistant@whistle.example';
const SEEDED = [NAME, REPORT, ADDRESS, EMAIL, REJECTED, 'Okonkwo', 'whistle.example', 'Glycines'];

/** Every value in Redis, read by type (DUMP would hide strings behind RDB's LZF compression). */
async function everyValue(client: IORedis): Promise<{ key: string; text: string }[]> {
  const out: { key: string; text: string }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      const value =
        type === 'string'
          ? await client.get(key)
          : type === 'hash'
            ? await client.hgetall(key)
            : type === 'list'
              ? await client.lrange(key, 0, -1)
              : type === 'set'
                ? await client.smembers(key)
                : type === 'zset'
                  ? await client.zrange(key, 0, -1, 'WITHSCORES')
                  : type === 'stream'
                    ? await client.xrange(key, '-', '+')
                    : `<${type}>`;
      out.push({ key, text: `${key} ${JSON.stringify(value)}` });
    }
  } while (cursor !== '0');
  return out;
}

/** The AOF as written (Redis 7: appendonlydir/ holds the base and incremental files). */
function aofText(dir: string): string {
  const aofDir = join(dir, 'appendonlydir');
  return readdirSync(aofDir)
    .map((f) => readFileSync(join(aofDir, f)).toString('latin1'))
    .join('\n');
}

describe('payloads sealed at rest (private Redis with appendonly yes)', () => {
  let redis: RunningRedis;
  let redisDir: string;
  let smtp: TestSmtpServer;
  let app: TestApp;
  const org = `org-sealed-${randomUUID()}`;

  beforeAll(async () => {
    redisDir = mkdtempSync(join(process.env.TEST_TMP_DIR!, 'sealed-redis-'));
    redis = await startRedisServer({ dir: redisDir, appendfsync: 'always' });
    smtp = await startSmtpServer({
      // Like real servers, the rejection names the recipient: the failure reason must not carry it to Redis.
      rcpt: (address) => (address === REJECTED ? { code: 550, message: `5.1.1 <${address}>: mailbox unavailable` } : undefined),
    });
    app = await startTestApp({
      APP_ROLE: 'all',
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
      REDIS_PASSWORD: undefined,
      REDIS_DB: undefined,
      CASE_URL_TEMPLATE: 'https://app.example.com/cases/{id}',
      // The seeded addresses' domain: tenants' API mail goes only to allowed domains.
      EMAIL_ALLOWED_RECIPIENT_DOMAINS: 'whistle.example,example.com',
      ...smtp.env(),
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await redis?.stop();
  });

  const api = () => request(app.url!);
  // The scheduled queue always holds its tenants' next (delayed) schedule ticks: it never drains.
  const queues = (): Queue[] => WORK_QUEUES.filter((q) => q !== 'scheduled').map((q) => app.context.get(JobsService).queue(q));

  it('runs the jobs of every queue, files the failure sealed, and leaves none of the report in Redis or its AOF', async () => {
    // A case: its indexing and AI jobs, and the assignment email, all through the events.
    const created = await api()
      .post('/api/v1/cases')
      .set(bearer(org))
      .send({ title: `Report by ${NAME}`, description: REPORT });
    expect(created.status).toBe(201);
    const caseId = created.body.id as string;
    expect((await api().patch(`/api/v1/cases/${caseId}`).set(bearer(org)).send({ assigneeEmail: EMAIL })).status).toBe(200);
    // Jobs posted directly, with the text in the payload.
    const ai = await api()
      .post('/api/v1/jobs/ai-processing')
      .set(bearer(org))
      .send({ type: 'generate-summary', entityType: 'report', entityId: 'r-1', content: `${REPORT} Contact: ${EMAIL}, ${ADDRESS}.` });
    expect(ai.status).toBe(202);
    const mail = await api()
      .post('/api/v1/jobs/email')
      .set(bearer(org))
      .send({
        templateId: 'case-assigned',
        to: EMAIL,
        context: { caseNumber: 7, caseTitle: ADDRESS, assigneeName: NAME, caseUrl: 'https://app.example.com/cases/7' },
      });
    const rejected = await api()
      .post('/api/v1/jobs/email')
      .set(bearer(org))
      .send({
        templateId: 'case-assigned',
        to: REJECTED,
        context: { caseNumber: 8, caseTitle: REPORT.slice(0, 100), assigneeName: NAME, caseUrl: 'https://app.example.com/cases/8' },
      });
    expect([mail.status, rejected.status]).toEqual([202, 202]);
    const search = await api()
      .post('/api/v1/jobs/indexing')
      .set(bearer(org))
      .send({
        operation: 'update',
        entityType: 'case',
        entityId: caseId,
        data: { note: REPORT, reporter: { name: NAME, email: EMAIL, address: ADDRESS } },
      });
    expect(search.status).toBe(202);

    // Everything settles: the rejected email dead-lettered, the rest done.
    const deadLetters = app.context.get(DeadLetterService);
    const entryId = deadLetterEntryId('email', rejected.body.id);
    await eventually(async () => (await deadLetters.get(entryId)) !== null, 20_000);
    await eventually(async () => {
      for (const q of queues()) {
        const c = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        if (Object.values(c).some((n) => n > 0)) return false;
      }
      return true;
    }, 30_000);

    // The workers opened the payloads in memory: the emails went out, with the names in them.
    const delivered = smtp.received.map((m) => m.envelope.to[0]).sort();
    expect(delivered).toEqual([EMAIL, EMAIL]);
    expect(smtp.received.some((m) => (m.parsed.text ?? '').includes(NAME))).toBe(true);
    // The tenant reads its job's result opened; the failure is said without the address.
    const mailView = await api().get(`/api/v1/jobs/email/${mail.body.id}`).set(bearer(org));
    expect(mailView.body).toMatchObject({ state: 'completed', result: { accepted: [EMAIL], transport: 'smtp' } });
    const aiView = await api().get(`/api/v1/jobs/ai-processing/${ai.body.id}`).set(bearer(org));
    expect(aiView.body).toMatchObject({ state: 'completed', result: { status: 'ready', provider: 'local' } });
    const failed = await api().get(`/api/v1/jobs/email/${rejected.body.id}`).set(bearer(org));
    expect(failed.body.state).toBe('failed');
    expect(failed.body.failedReason).toContain('[email]');
    expect(failed.body.failedReason).not.toContain(REJECTED);

    // The dead letter: sealed unless an operator reveals it, and the reveal is audited.
    const entry = await api().get(`/admin/api/dead-letter/${entryId}`).set(adminAuth());
    expect(entry.body.data).toEqual({
      organizationId: org,
      correlationId: expect.any(String),
      sealed: expect.stringMatching(/^sealed \(AES-256-GCM/),
    });
    const revealed = await api().get(`/admin/api/dead-letter/${entryId}?reveal=true`).set(adminAuth());
    expect(revealed.status).toBe(200);
    expect(revealed.body.data).toMatchObject({
      organizationId: org,
      templateId: 'case-assigned',
      to: REJECTED,
      context: { assigneeName: NAME },
    });
    const history = await app.context.get(DeadLetterService).get(entryId);
    expect(history?.data).toMatchObject({ organizationId: org, sealed: { v: 1, kid: 'dev' } });

    // The scan: every key's value and the AOF. The tenant id is there in clear (so the scan reads
    // what it should); nothing seeded is.
    const client = new IORedis({ host: redis.host, port: redis.port, maxRetriesPerRequest: 1 });
    try {
      const values = await everyValue(client);
      expect(values.length).toBeGreaterThan(20);
      expect(values.some((v) => v.text.includes(org))).toBe(true);
      const leaks = values.flatMap(({ key, text }) => SEEDED.filter((s) => text.includes(s)).map((s) => `${key}: ${s}`));
      expect(leaks).toEqual([]);
    } finally {
      client.disconnect();
    }
    const aof = aofText(redisDir);
    expect(aof).toContain(org);
    expect(SEEDED.filter((s) => aof.includes(s))).toEqual([]);
  }, 90_000);

  it('shredding one tenant fails its waiting job at once into the dead-letter queue; other tenants run', async () => {
    const victim = `org-victim-${randomUUID()}`;
    const other = `org-other-${randomUUID()}`;
    const jobs = app.context.get(JobsService);
    const payload = (organizationId: string) => ({
      organizationId,
      operation: 'update' as const,
      entityType: 'case',
      entityId: `c-${randomUUID()}`,
      data: { note: REPORT },
    });
    // Delayed, so that both are still waiting in Redis when the key is destroyed.
    const [doomed, spared] = await Promise.all([
      jobs.enqueue('indexing', 'update', payload(victim), { delayMs: 1_000 }),
      jobs.enqueue('indexing', 'update', payload(other), { delayMs: 1_000 }),
    ]);
    // `npm run keys:shred`, as an operator runs it: another process, which tells this one to forget its copy.
    const lines: string[] = [];
    const env = testEnv({
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
      REDIS_PASSWORD: undefined,
      REDIS_DB: undefined,
      QUEUE_PREFIX: app.config.queue.prefix,
    });
    expect(await runPayloadKeysCommand(['shred', victim, '--yes'], env, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([`destroyed data key(s) v1 of ${victim}`, expect.stringMatching(/^announced to 1 running process/)]);

    const queue = jobs.queue('indexing');
    // The state first, then the job: a job read before it failed would show the attempt not yet counted.
    const failed = await eventually(async () => (await queue.getJobState(doomed.id)) === 'failed' && queue.getJob(doomed.id), 15_000);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^payload key destroyed for organization org-victim-/);
    const entry = await eventually(
      async () => (await app.context.get(DeadLetterService).get(deadLetterEntryId('indexing', doomed.id))) ?? undefined,
      10_000,
    );
    expect(entry.failedReason).toMatch(/payload key destroyed/);
    // The operator's reveal says why it cannot show the payload.
    const revealed = await api().get(`/admin/api/dead-letter/${entry.id}?reveal=true`).set(adminAuth());
    expect(revealed.body.data).toMatchObject({ organizationId: victim, unreadable: expect.stringMatching(/payload key destroyed/) });

    await eventually(async () => (await queue.getJobState(spared.id)) === 'completed', 15_000);
    const view = await api().get(`/api/v1/jobs/indexing/${spared.id}`).set(bearer(other));
    expect(view.body.state).toBe('completed');
  }, 60_000);
});
