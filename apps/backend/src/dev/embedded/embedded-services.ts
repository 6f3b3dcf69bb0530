import { join } from 'node:path';
import type { RawEnv } from '../../config/configuration';
import { isListening } from './processes';
import { canConnect, ensureDatabase, NO_POSTGRES_HELP, startPostgresServer } from './postgres-server';
import { startRedisServer } from './redis-server';

export interface EmbeddedServices {
  /** Environment with the embedded servers' addresses filled in. */
  env: RawEnv;
  notes: string[];
  stop: () => Promise<void>;
}

/**
 * `npm start` on a bare machine: when REDIS_HOST is unset and nothing answers on localhost:6379,
 * run a private redis-server under DATA_DIR (default .data) for the life of this process; likewise
 * a private PostgreSQL when DATABASE_URL is unset and nothing answers on localhost:5432.
 * Never in production: there, configuration must name real servers.
 */
export async function startEmbeddedServices(env: RawEnv): Promise<EmbeddedServices> {
  const stops: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  const out: RawEnv = { ...env };
  const dataDir = env.DATA_DIR || '.data';
  if (env.NODE_ENV !== 'production' && !env.REDIS_HOST && !(await isListening('127.0.0.1', Number(env.REDIS_PORT || 6379)))) {
    const redis = await startRedisServer({ dir: join(dataDir, 'redis') });
    out.REDIS_HOST = redis.host;
    out.REDIS_PORT = String(redis.port);
    notes.push(`started a private redis-server on ${redis.host}:${redis.port} (AOF, data in ${join(dataDir, 'redis')})`);
    stops.push(redis.stop);
  }
  if (env.NODE_ENV !== 'production' && !env.DATABASE_URL) {
    if (await isListening('127.0.0.1', 5432)) {
      // A local server: use (and create) the `ethico` database as the connecting user.
      const user = env.PGUSER || 'postgres';
      const admin = `postgres://${user}@127.0.0.1:5432/postgres`;
      if (!(await canConnect(admin))) {
        throw new Error(`PostgreSQL answers on localhost:5432 but refused ${admin}; set DATABASE_URL.\n${NO_POSTGRES_HELP}`);
      }
      await ensureDatabase(admin, 'ethico');
      out.DATABASE_URL = `postgres://${user}@127.0.0.1:5432/ethico`;
      notes.push(`using the local PostgreSQL on 127.0.0.1:5432, database ethico`);
    } else {
      const pg = await startPostgresServer({ dir: join(dataDir, 'postgres') });
      out.DATABASE_URL = pg.url;
      notes.push(`started a private PostgreSQL on 127.0.0.1:${pg.port} (data in ${join(dataDir, 'postgres')})`);
      stops.push(pg.stop);
    }
  }
  return {
    env: out,
    notes,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
