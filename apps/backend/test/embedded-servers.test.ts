import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { join, relative } from 'node:path';
import IORedis from 'ioredis';
import { canConnect, startPostgresServer } from '../src/dev/embedded/postgres-server';
import { startRedisServer } from '../src/dev/embedded/redis-server';

/** `npm start` passes relative folders (DATA_DIR=.data); the servers must come up with them. */
describe('embedded servers started with relative folders', () => {
  const base = mkdtempSync(join(process.env.TEST_TMP_DIR ?? '/tmp', 'embedded-'));
  chmodSync(base, 0o755);
  const rel = (name: string) => relative(process.cwd(), join(base, name));

  it('runs PostgreSQL with its cluster and socket under a relative folder', async () => {
    const pg = await startPostgresServer({ dir: rel('postgres'), database: 'ethico' });
    try {
      expect(await canConnect(pg.url)).toBe(true);
      expect(existsSync(join(base, 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    } finally {
      await pg.stop();
    }
  });

  it('runs Redis with AOF in a relative folder', async () => {
    const redis = await startRedisServer({ dir: rel('redis') });
    const client = new IORedis({ host: redis.host, port: redis.port });
    try {
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'dir')).toEqual(['dir', join(base, 'redis')]);
    } finally {
      await client.quit();
      await redis.stop();
    }
  });
});
