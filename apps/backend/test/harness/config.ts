import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { AppConfig, loadConfiguration, RawEnv } from '../../src/config/configuration';
import { clusterOptions, RedisClient, redisOptions } from '../../src/modules/redis/redis-connection.factory';

export const TEST_ADMIN = { username: 'ops', password: 'test-admin-password-0123' };
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

/** The Redis the apps use: the run's standalone server, or its Cluster or Sentinel set (TEST_REDIS_MODE). */
export function redisEnv(): RawEnv {
  if (process.env.TEST_REDIS_MODE === 'cluster') return { REDIS_CLUSTER_NODES: process.env.TEST_REDIS_CLUSTER_NODES };
  if (process.env.TEST_REDIS_MODE === 'sentinel') {
    return { REDIS_SENTINELS: process.env.TEST_REDIS_SENTINELS, REDIS_SENTINEL_NAME: process.env.TEST_REDIS_SENTINEL_NAME };
  }
  const url = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  return {
    REDIS_HOST: url.hostname,
    REDIS_PORT: url.port || '6379',
    REDIS_PASSWORD: url.password || undefined,
    REDIS_DB: url.pathname.length > 1 ? url.pathname.slice(1) : undefined,
  };
}

/** A unique queue prefix per test keeps tests apart on one Redis. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** The environment a test process runs with; tests override what they exercise. */
export function testEnv(overrides: RawEnv = {}): RawEnv {
  return {
    NODE_ENV: 'test',
    // main.ts refuses NODE_ENV=test without it.
    ETHICO_TEST_HARNESS: 'true',
    LOG_LEVEL: 'error',
    PORT: '0',
    HOST: '127.0.0.1',
    QUEUE_PREFIX: uniquePrefix(),
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    SHUTDOWN_TIMEOUT_MS: '15000',
    METRICS_PORT: '0',
    // Without SMTP_HOST mail goes to the file outbox: keep it out of the working tree.
    EMAIL_OUTBOX_DIR: join(process.env.TEST_TMP_DIR ?? tmpdir(), 'outbox'),
    // Tests address mail to the reserved example domains.
    EMAIL_ALLOWED_RECIPIENT_DOMAINS: 'example.com,example.org',
    REPORTS_DIR: join(process.env.TEST_TMP_DIR ?? tmpdir(), 'reports'),
    ...redisEnv(),
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    ...overrides,
  };
}

export function testConfig(overrides: RawEnv = {}): AppConfig {
  return loadConfiguration(testEnv(overrides));
}

/**
 * A client of the test's own on the run's Redis, whatever its topology (it waits out outages, as
 * BullMQ's connections must). The caller quits it.
 */
export function testRedisClient(): RedisClient {
  const redis = testConfig().redis;
  if (redis.cluster) return new IORedis.Cluster(redis.cluster.nodes, clusterOptions(redis));
  return new IORedis(redisOptions(redis));
}
