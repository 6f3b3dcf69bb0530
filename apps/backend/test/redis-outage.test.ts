import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '../src/dev/embedded/processes';
import { RunningRedis, startRedisServer } from '../src/dev/embedded/redis-server';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { eventually } from './harness/wait';

/** Its own Redis, so stopping it affects no other test. */
describe('when Redis is unreachable', () => {
  let redis: RunningRedis;
  let app: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'ethico-outage-'));

  beforeAll(async () => {
    redis = await startRedisServer({ dir });
    app = await startTestApp({ APP_ROLE: 'api', REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) });
  });
  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  const enqueue = () =>
    request(app.url!).post('/api/v1/jobs/indexing').set(bearer('org-r')).send({ operation: 'create', entityType: 'case', entityId: 'c1' });

  it('enqueues while Redis is up, answers 503 within 2 s while it is down, and health stays 200', async () => {
    expect((await enqueue()).status).toBe(202);
    await redis.stop();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await enqueue();
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/queue indexing is unavailable/);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect((await request(app.url!).get('/health')).status).toBe(200);

    // Back on the same port: producers reconnect by themselves, nothing restarts.
    redis = await startRedisServer({ dir, port: redis.port });
    const back = await eventually(
      async () => {
        const res = await enqueue();
        return res.status === 202 && res;
      },
      5_000,
      100,
    );
    expect(back.body.state).toBe('prioritized');
  });
});

describe('when Redis is away at start', () => {
  let app: TestApp | undefined;
  afterAll(async () => {
    // Its queues never reached Redis: closing them waits for it (SHUTDOWN_TIMEOUT_MS bounds this in production).
    await Promise.race([app?.close(), new Promise((r) => setTimeout(r, 3_000))]);
  });

  it('starts every role anyway: live, not ready, jobs 503, and the digest schedule set once Redis answers', async () => {
    const port = await freePort();
    const started = Date.now();
    app = await startTestApp({ APP_ROLE: 'all', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), OPS_ALERT_EMAIL: 'ops@example.com' });
    // The schedulers wait a bounded time for Redis before the start goes on (5 s each).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await request(app.url!).get('/health/live')).status).toBe(200);
    expect((await request(app.url!).get('/health/ready')).status).toBe(503);
    const res = await request(app.url!)
      .post('/api/v1/jobs/indexing')
      .set(bearer('org-away'))
      .send({ operation: 'create', entityType: 'case', entityId: 'c1' });
    expect(res.status).toBe(503);

    const redis = await startRedisServer({ dir: mkdtempSync(join(tmpdir(), 'ethico-late-')), port });
    try {
      await eventually(async () => (await request(app!.url!).get('/health/ready')).status === 200, 20_000, 200);
      const jobs = app.context.get(JobsService, { strict: false });
      // The digest schedule the start could not set is set now, without a restart.
      const schedulers = await eventually(async () => {
        const list = await jobs.queue('email').getJobSchedulers();
        return list.length > 0 && list;
      }, 15_000);
      expect(schedulers.map((s) => s.key)).toContain('dlq-digest');
    } finally {
      await Promise.race([app.close(), new Promise((r) => setTimeout(r, 3_000))]);
      app = undefined;
      await redis.stop();
    }
  });
});
