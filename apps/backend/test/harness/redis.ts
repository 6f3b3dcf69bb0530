import IORedis from 'ioredis';
import { redisEnv } from './config';

const clients: IORedis[] = [];

/** A client of the tests' Redis (for workers or reads of its keys); closeRedisClients() closes them all. */
export function redisClient(): IORedis {
  const env = redisEnv();
  const client = new IORedis({
    host: env.REDIS_HOST,
    port: Number(env.REDIS_PORT),
    password: env.REDIS_PASSWORD,
    maxRetriesPerRequest: null,
  });
  clients.push(client);
  return client;
}

export const closeRedisClients = (): Promise<unknown> => Promise.all(clients.splice(0).map((c) => c.quit().catch(() => undefined)));
