import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { startPostgresServer } from '../../backend/src/dev/embedded/postgres-server';
import { startRedisServer } from '../../backend/src/dev/embedded/redis-server';
import { migrate } from '../../backend/src/modules/database/migrate';
import { BenchChild } from './children';

export interface BenchServers {
  redis: { host: string; port: number };
  databaseUrl: string;
  /** A local SMTP server that accepts and discards every message (production mode requires SMTP). */
  smtp: { host: string; port: number };
  versions: { redis: string; postgres: string };
  stop(): Promise<void>;
}

/**
 * Private Redis and PostgreSQL on free ports in a temporary folder: the benchmark never touches
 * the machine's own servers. Redis runs as `npm start` runs it (AOF, everysec, noeviction).
 */
export async function startBenchServers(): Promise<BenchServers> {
  const root = mkdtempSync(join(tmpdir(), 'ethico-bench-'));
  // PostgreSQL may run as another user (when run as root): it must reach its folder.
  chmodSync(root, 0o755);
  const [redis, pg] = await Promise.all([
    startRedisServer({ dir: join(root, 'redis') }),
    startPostgresServer({ dir: join(root, 'postgres'), database: 'ethico_bench' }),
  ]);
  await migrate(pg.url);
  const smtp = await BenchChild.start('smtp-sink.main.ts', {}, { name: 'smtp-sink' });
  const versions = { redis: await redisVersion(redis.host, redis.port), postgres: await postgresVersion(pg.url) };
  return {
    redis: { host: redis.host, port: redis.port },
    databaseUrl: pg.url,
    smtp: { host: '127.0.0.1', port: await smtp.call<number>('port') },
    versions,
    stop: async () => {
      await smtp.stop();
      await pg.stop();
      await redis.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function redisVersion(host: string, port: number): Promise<string> {
  const client = new IORedis({ host, port, lazyConnect: true });
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

async function postgresVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version;
  } finally {
    await client.end();
  }
}

/** Empties a Redis database between benchmarks so leftovers never skew the next one. */
export async function flushRedis(redis: BenchServers['redis']): Promise<void> {
  const client = new IORedis({ ...redis, lazyConnect: true });
  try {
    await client.connect();
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}
