import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { RunningRedis, startRedisServer } from '../../src/dev/embedded/redis-server';
import { testEnv } from '../harness/config';
import { bearer } from '../harness/http';
import { Child, httpUrlOf, spawnBackend, waitForOutput } from '../harness/processes';
import { startSmtpServer, TestSmtpServer } from '../harness/smtp';
import { eventually } from '../harness/wait';
import { record } from './report';
import { scale } from './scale';

jest.setTimeout(scale(240_000, 1_200_000));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(url: string, method: 'POST' | 'PATCH', body: unknown, org: string): Promise<{ status: number; body: { id?: string } }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...bearer(org) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as { id?: string } };
}

/**
 * Case writes stage their jobs in the PostgreSQL outbox with the write. Redis going away while
 * cases are written, or the API being SIGKILLed between a commit and the enqueue, loses nothing:
 * every committed version is indexed, every assignment email is delivered once (by Message-ID).
 */
describe('chaos: transactional outbox', () => {
  let redis: RunningRedis | undefined;
  let smtp: TestSmtpServer | undefined;
  let pg: Client;
  const children: Child[] = [];
  beforeAll(async () => {
    pg = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await pg.connect();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop('SIGKILL')));
    await redis?.stop();
    await smtp?.close();
    redis = smtp = undefined;
  });
  afterAll(() => pg.end());

  async function deploy() {
    const dir = mkdtempSync(join(tmpdir(), 'ethico-chaos-outbox-'));
    redis = await startRedisServer({ dir });
    smtp = await startSmtpServer();
    const env = testEnv({ LOG_LEVEL: 'warn', REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) });
    const startApi = async () => {
      const api = spawnBackend({ ...env, APP_ROLE: 'api', LOG_LEVEL: 'info' });
      children.push(api);
      return { api, url: await httpUrlOf(api) };
    };
    const worker = spawnBackend({ ...env, ...smtp.env(), APP_ROLE: 'worker', WORKER_QUEUES: 'email,indexing', LOG_LEVEL: 'info' });
    children.push(worker);
    await waitForOutput(worker, 'consuming email');
    return { dir, env, startApi };
  }

  /** Creates and assigns `count` cases (two committed versions each), `concurrency` at a time. */
  async function writeCases(url: string, org: string, count: number, concurrency: number, onHalf?: () => Promise<void>) {
    const ids: string[] = [];
    const statuses: Record<number, number> = {};
    const latencies: number[] = [];
    let next = 0;
    let halfDone: Promise<void> | undefined;
    const one = async (i: number) => {
      const started = Date.now();
      const created = await call(`${url}/api/v1/cases`, 'POST', { title: `Chaos case ${i}` }, org);
      statuses[created.status] = (statuses[created.status] ?? 0) + 1;
      if (created.status !== 201) return;
      const assigned = await call(`${url}/api/v1/cases/${created.body.id}`, 'PATCH', { assigneeEmail: `agent${i}@example.com` }, org);
      statuses[assigned.status] = (statuses[assigned.status] ?? 0) + 1;
      latencies.push(Date.now() - started);
      if (assigned.status === 200) ids.push(created.body.id!);
    };
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          if (i === Math.floor(count / 2) && onHalf) halfDone = onHalf();
          await one(i);
        }
      }),
    );
    await halfDone;
    return { ids, statuses, latencies };
  }

  async function check(org: string, ids: string[]) {
    const indexed = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM search_documents WHERE organization_id = $1 AND entity_type = 'case' AND version = 2`,
      [org],
    );
    const mails = smtp!.received.filter((m) => m.envelope.to.some((to) => /^agent\d+@example\.com$/.test(to)));
    const messageIds = mails.map((m) => m.parsed.messageId);
    return {
      indexed: indexed.rows[0].n,
      delivered: new Set(messageIds).size,
      duplicates: messageIds.length - new Set(messageIds).size,
      cases: ids.length,
    };
  }

  it('indexes every committed version and mails every assignment once when Redis returns', async () => {
    const { dir, startApi } = await deploy();
    const { url } = await startApi();
    const org = `org-chaos-outbox-${Date.now()}`;
    const total = scale(200, 2_000);
    const port = redis!.port;
    let downAt = 0;
    let upAt = 0;
    const load = await writeCases(url, org, total, 8, async () => {
      await redis!.stop();
      downAt = Date.now();
      await sleep(scale(3_000, 10_000));
      redis = await startRedisServer({ dir, port });
      upAt = Date.now();
    });
    await eventually(
      async () => {
        const c = await check(org, load.ids);
        return c.indexed === load.ids.length && c.delivered === load.ids.length && c;
      },
      scale(120_000, 600_000),
      500,
    );
    await sleep(2_000); // a late duplicate would arrive now
    const figures = { total, outageMs: upAt - downAt, statuses: load.statuses, ...(await check(org, load.ids)) };
    record('outbox-redis-outage', figures);
    expect(Object.keys(load.statuses).filter((s) => s !== '200' && s !== '201')).toEqual([]);
    expect(load.ids).toHaveLength(total);
    expect(figures.indexed).toBe(total);
    expect(figures.delivered).toBe(total);
    expect(figures.duplicates).toBe(0);
  });

  it('loses nothing when the API is SIGKILLed between commit and enqueue', async () => {
    const { dir, startApi } = await deploy();
    const first = await startApi();
    const org = `org-chaos-kill-${Date.now()}`;
    const total = scale(50, 500);
    const port = redis!.port;
    // With Redis away every committed write's jobs are still only in the outbox when the API dies.
    await redis!.stop();
    const load = await writeCases(first.url, org, total, 8);
    await first.api.stop('SIGKILL');
    redis = await startRedisServer({ dir, port });
    await startApi();
    await eventually(
      async () => {
        const c = await check(org, load.ids);
        return c.indexed === load.ids.length && c.delivered === load.ids.length && c;
      },
      scale(120_000, 600_000),
      500,
    );
    const figures = { total, statuses: load.statuses, ...(await check(org, load.ids)) };
    record('outbox-api-sigkill', figures);
    expect(load.ids).toHaveLength(total);
    expect(figures.duplicates).toBe(0);
  });
});
