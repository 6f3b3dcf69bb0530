import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { findBinary, freePort, postgresBinDirs, spawnServer, stopProcess, waitFor } from './processes';

export interface RunningPostgres {
  url: string;
  port: number;
  process: ChildProcess;
  stop: () => Promise<void>;
}

export const NO_POSTGRES_HELP = [
  'No PostgreSQL answers on localhost:5432 and no initdb/pg_ctl binaries were found.',
  'Get one of these, or set DATABASE_URL to an existing server:',
  '  Debian/Ubuntu: sudo apt-get install postgresql',
  '  macOS:         brew install postgresql@15',
  '  Docker:        docker compose up -d postgres',
].join('\n');

/** initdb refuses to run as root; as root, the server runs as the `postgres` user in a folder it owns. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, but there is no `postgres` user to run PostgreSQL as');
  }
}

/**
 * Starts a private PostgreSQL (trust auth on 127.0.0.1 only) with its cluster in `dir`, creating
 * the cluster on first use, and makes sure `database` exists.
 */
export async function startPostgresServer(opts: { dir: string; port?: number; database?: string }): Promise<RunningPostgres> {
  // Absolute: postgres resolves a relative socket directory from inside its data directory.
  const dir = resolve(opts.dir);
  const extra = postgresBinDirs();
  const initdb = findBinary('initdb', extra);
  const postgres = findBinary('postgres', extra);
  if (!initdb || !postgres) throw new Error(NO_POSTGRES_HELP);
  const user = runAs();
  const database = opts.database ?? 'ethico';
  const socketDir = join(dir, 'sock');
  mkdirSync(socketDir, { recursive: true });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  const dataDir = join(dir, 'data');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    execFileSync(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale'], {
      stdio: 'pipe',
      ...(user ?? {}),
    });
  }
  const port = opts.port ?? (await freePort());
  const child = spawnServer(
    postgres,
    ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', socketDir, '-c', 'fsync=on', '-c', 'max_connections=200'],
    { ...(user ?? {}) },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}:\n${output}`);
        return canConnect(adminUrl);
      },
      30_000,
      'PostgreSQL',
    );
    await ensureDatabase(adminUrl, database);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  // SIGINT is PostgreSQL's "fast" shutdown: active transactions are rolled back, data is flushed.
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await stopProcess(child);
    },
  };
}

export async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `database` through the admin connection unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
