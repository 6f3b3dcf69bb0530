import { join } from 'node:path';
import { EMBEDDED, type RawEnv } from '../../config/configuration';
import { isListening } from './processes';
import { canConnect, ensureDatabase, NO_POSTGRES_HELP, startPostgresServer } from './postgres-server';
import { startRedisServer } from './redis-server';

export interface EmbeddedServices {
  /** Environment with the embedded servers' addresses filled in. */
  env: RawEnv;
  /** One line per server: what was probed, what was found, what is used; printed at startup. */
  notes: string[];
  stop: () => Promise<void>;
}

/**
 * `npm start` on a bare machine. For Redis when none is named (REDIS_URL, REDIS_HOST, REDIS_SENTINELS,
 * REDIS_CLUSTER_NODES) and PostgreSQL when DATABASE_URL
 * is unset, EMBEDDED decides:
 * - auto (default): probe the local standard port (REDIS_PORT or 6379; PGPORT or 5432); use a server
 *   that answers (for PostgreSQL: creating the `ethico` database), else run a private one under
 *   DATA_DIR (default .data) for the life of this process;
 * - always: run private servers without probing, so nothing is written to a machine's own servers;
 * - never: neither probe nor run anything; the configuration's defaults apply as they are.
 * Never in production: there, configuration must name real servers (EMBEDDED=always is refused).
 */
export async function startEmbeddedServices(env: RawEnv): Promise<EmbeddedServices> {
  const mode = EMBEDDED.safeParse(env.EMBEDDED || undefined);
  if (!mode.success) throw new Error(`EMBEDDED: must be auto, always or never (got "${env.EMBEDDED}")`);
  const production = env.NODE_ENV === 'production';
  if (production && mode.data === 'always') throw new Error('EMBEDDED: cannot be always when NODE_ENV=production');
  const stops: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  const out: RawEnv = { ...env };
  if (production || mode.data === 'never') {
    if (!production) notes.push('EMBEDDED=never: no probes, no private servers; Redis and PostgreSQL come from the configuration');
    return { env: out, notes, stop: async () => undefined };
  }
  const dataDir = env.DATA_DIR || '.data';
  const tag = `EMBEDDED=${mode.data}`;
  try {
    const named = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).find((v) => env[v]);
    if (named) {
      notes.push(`${tag}: Redis: ${named} is set, using it`);
    } else if (env.REDIS_HOST) {
      notes.push(`${tag}: Redis: REDIS_HOST is set, using ${env.REDIS_HOST}:${env.REDIS_PORT || 6379}`);
    } else {
      const port = Number(env.REDIS_PORT || 6379);
      const answers = mode.data === 'auto' && (await isListening('127.0.0.1', port));
      if (answers) {
        notes.push(`${tag}: Redis: probed 127.0.0.1:${port}, a server answers: using it (EMBEDDED=always runs a private one instead)`);
      } else {
        const redis = await startRedisServer({ dir: join(dataDir, 'redis') });
        out.REDIS_HOST = redis.host;
        out.REDIS_PORT = String(redis.port);
        stops.push(() => redis.stop());
        const why = mode.data === 'auto' ? `probed 127.0.0.1:${port}, nothing answers: ` : '';
        notes.push(
          `${tag}: Redis: ${why}started a private redis-server on ${redis.host}:${redis.port} (AOF, data in ${join(dataDir, 'redis')})`,
        );
      }
    }
    if (env.DATABASE_URL) {
      notes.push(`${tag}: PostgreSQL: DATABASE_URL is set, using it`);
    } else {
      const port = Number(env.PGPORT || 5432);
      const answers = mode.data === 'auto' && (await isListening('127.0.0.1', port));
      if (answers) {
        // A local server: use (and create) the `ethico` database as the connecting user.
        const user = env.PGUSER || 'postgres';
        const admin = `postgres://${user}@127.0.0.1:${port}/postgres`;
        if (!(await canConnect(admin))) {
          throw new Error(
            `PostgreSQL answers on 127.0.0.1:${port} but refused ${admin}; set DATABASE_URL, or EMBEDDED=always for a private server.\n${NO_POSTGRES_HELP}`,
          );
        }
        await ensureDatabase(admin, 'ethico');
        out.DATABASE_URL = `postgres://${user}@127.0.0.1:${port}/ethico`;
        notes.push(
          `${tag}: PostgreSQL: probed 127.0.0.1:${port}, a server answers: using database ethico as ${user} (EMBEDDED=always runs a private one instead)`,
        );
      } else {
        const pg = await startPostgresServer({ dir: join(dataDir, 'postgres') });
        out.DATABASE_URL = pg.url;
        stops.push(() => pg.stop());
        const why = mode.data === 'auto' ? `probed 127.0.0.1:${port}, nothing answers: ` : '';
        notes.push(`${tag}: PostgreSQL: ${why}started a private PostgreSQL on 127.0.0.1:${pg.port} (data in ${join(dataDir, 'postgres')})`);
      }
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop();
    throw err;
  }
  return {
    env: out,
    notes,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
