import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresServer } from '../../src/dev/embedded/postgres-server';
import { startRedisServer } from '../../src/dev/embedded/redis-server';
import { migrate } from '../../src/modules/database/migrate';
import { startRedisCluster, startRedisSentinels } from './redis-topologies';

/**
 * Starts private servers for the whole run, on free ports in a temp dir, unless TEST_REDIS_URL /
 * TEST_DATABASE_URL point at existing ones. Tests never touch the machine's servers on standard ports.
 * With TEST_REDIS_MODE=cluster or sentinel it also starts a Redis Cluster (3 masters, 3 replicas) or
 * a Sentinel set (a primary, 2 replicas, 3 sentinels), which the apps the tests start then use.
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
  // The Cluster and Sentinel passes (TEST_REDIS_MODE) run the same suites on those topologies.
  const mode = process.env.TEST_REDIS_MODE;
  if (mode === 'cluster' && !process.env.TEST_REDIS_CLUSTER_NODES) {
    const cluster = await startRedisCluster({ dir: join(root, 'cluster') });
    process.env.TEST_REDIS_CLUSTER_NODES = cluster.seeds;
    stops.push(cluster.stop);
  } else if (mode === 'sentinel' && !process.env.TEST_REDIS_SENTINELS) {
    const set = await startRedisSentinels({ dir: join(root, 'sentinel') });
    process.env.TEST_REDIS_SENTINELS = set.seeds;
    process.env.TEST_REDIS_SENTINEL_NAME = set.name;
    stops.push(set.stop);
  } else if (mode !== undefined && mode !== 'cluster' && mode !== 'sentinel') {
    throw new Error(`TEST_REDIS_MODE must be cluster or sentinel, not ${mode}`);
  }
  await migrate(process.env.TEST_DATABASE_URL!);
}
