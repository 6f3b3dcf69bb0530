import { join } from 'node:path';
import runner from 'node-pg-migrate';
import { Client } from 'pg';

/** SQL migrations ship with the backend (apps/backend/migrations), next to dist/ and src/. */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', '..', 'migrations');

/**
 * Any fixed number: the key of the advisory lock that serialises migrations across processes. The
 * audit table's DDL guard (migration 1764400200000) lets through sessions holding it: keep them equal.
 */
export const MIGRATION_LOCK = 7_314_142_001;

/**
 * Applies pending migrations. Processes that start together (api, worker-ai, worker-general) queue
 * on a blocking advisory lock, so each migration runs exactly once and every process waits for it
 * (node-pg-migrate's own lock would make the latecomers fail instead of wait).
 */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => undefined): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  client.on('error', () => undefined); // the failing query reports it
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      count: Infinity,
      checkOrder: true,
      noLock: true,
      logger: { debug: () => undefined, info: log, warn: log, error: log },
    });
    return applied.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
