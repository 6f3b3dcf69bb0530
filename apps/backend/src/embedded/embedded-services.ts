import { join } from 'node:path';
import type { RawEnv } from '../config/configuration';
import { isListening } from './processes';
import { startRedisServer } from './redis-server';

export interface EmbeddedServices {
  /** Environment with the embedded servers' addresses filled in. */
  env: RawEnv;
  notes: string[];
  stop(): Promise<void>;
}

/**
 * `npm start` on a bare machine: when REDIS_HOST is unset and nothing answers on localhost:6379,
 * run a private redis-server under DATA_DIR (default .data) for the life of this process.
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
  return {
    env: out,
    notes,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
