import { join } from 'node:path';
import runner from 'node-pg-migrate';

/** SQL migrations ship with the backend (apps/backend/migrations), next to dist/ and src/. */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', '..', 'migrations');

/**
 * Applies pending migrations. node-pg-migrate takes an advisory lock, so several processes
 * starting at once apply each migration exactly once.
 */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => undefined): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    checkOrder: true,
    logger: { debug: () => undefined, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}
