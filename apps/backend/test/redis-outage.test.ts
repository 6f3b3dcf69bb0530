import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { RunningRedis, startRedisServer } from '../src/dev/embedded/redis-server';
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
