import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { RunningRedis, startRedisServer } from '../src/dev/embedded/redis-server';
import { evictionWarning } from '../src/modules/redis/redis-policy.check';

describe('the Redis eviction-policy check', () => {
  let redis: RunningRedis;
  let client: IORedis;
  beforeAll(async () => {
    redis = await startRedisServer({ dir: mkdtempSync(join(tmpdir(), 'ethico-policy-')) });
    client = new IORedis({ host: redis.host, port: redis.port });
  });
  afterAll(async () => {
    await client.quit();
    await redis.stop();
  });

  it('is quiet with noeviction and warns when Redis may evict keys', async () => {
    expect(await evictionWarning(client)).toBeNull();
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    expect(await evictionWarning(client)).toMatch(/maxmemory-policy is "allkeys-lru".*Set maxmemory-policy noeviction/);
  });
});
