import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../../src/embedded/redis-server';

/**
 * Starts private servers for the whole run, on free ports in a temp dir, unless TEST_REDIS_URL
 * points at an existing one. Tests never touch the machine's own servers on standard ports.
 */
export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ethico-test-'));
  process.env.TEST_TMP_DIR = root;
  const stops: (() => Promise<void>)[] = [];
  if (!process.env.TEST_REDIS_URL) {
    const redis = await startRedisServer({ dir: join(root, 'redis') });
    process.env.TEST_REDIS_URL = `redis://${redis.host}:${redis.port}`;
    stops.push(redis.stop);
  }
  (globalThis as { __ETHICO_TEST_STOPS__?: (() => Promise<void>)[] }).__ETHICO_TEST_STOPS__ = stops;
}
