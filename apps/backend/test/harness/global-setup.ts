import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresServer } from '../../src/dev/embedded/postgres-server';
import { startRedisServer } from '../../src/dev/embedded/redis-server';
import { migrate } from '../../src/modules/database/migrate';

/**
 * Starts private servers for the whole run, on free ports in a temp dir, unless TEST_REDIS_URL /
 * TEST_DATABASE_URL point at existing ones. Tests never touch the machine's servers on standard ports.
 */
export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ethico-test-'));
  // PostgreSQL may run as another user (when tests run as root): it must reach its folder.
  chmodSync(root, 0o755);
  process.env.TEST_TMP_DIR = root;
  const stops: (() => Promise<void>)[] = [];
  (globalThis as { __ETHICO_TEST_STOPS__?: (() => Promise<void>)[] }).__ETHICO_TEST_STOPS__ = stops;
  const [redis, pg] = await Promise.all([
    process.env.TEST_REDIS_URL ? null : startRedisServer({ dir: join(root, 'redis') }),
    process.env.TEST_DATABASE_URL ? null : startPostgresServer({ dir: join(root, 'postgres'), database: 'ethico_test' }),
  ]);
  if (redis) {
    process.env.TEST_REDIS_URL = `redis://${redis.host}:${redis.port}`;
    stops.push(redis.stop);
  }
  if (pg) {
    process.env.TEST_DATABASE_URL = pg.url;
    process.env.TEST_POSTGRES_DIR = join(root, 'postgres');
    process.env.TEST_POSTGRES_PORT = String(pg.port);
    stops.push(pg.stop);
  }
  await migrate(process.env.TEST_DATABASE_URL!);
}
