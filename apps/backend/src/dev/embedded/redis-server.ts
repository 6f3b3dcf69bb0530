import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { findBinary, freePort, isListening, spawnServer, stopProcess, waitFor } from './processes';

export interface RunningRedis {
  host: string;
  port: number;
  process: ChildProcess;
  stop: () => Promise<void>;
}

const NO_REDIS_HELP = [
  'No Redis server answers on localhost:6379 and no redis-server binary was found.',
  'Get one of these, or set REDIS_HOST/REDIS_PORT to an existing server:',
  '  Debian/Ubuntu: sudo apt-get install redis-server',
  '  macOS:         brew install redis',
  '  Docker:        docker compose up -d redis',
].join('\n');

/**
 * Starts a private redis-server (AOF on) with its data in `dir`, on a free port unless one is given.
 * `config` (a file, read first) and `args` add to the settings: a Cluster node, a replica, a sentinel.
 */
export async function startRedisServer(opts: {
  dir: string;
  port?: number;
  appendfsync?: 'always' | 'everysec';
  config?: string;
  args?: string[];
}): Promise<RunningRedis> {
  const bin = findBinary('redis-server');
  if (!bin) throw new Error(NO_REDIS_HELP);
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child = spawnServer(bin, [
    ...(opts.config ? [opts.config] : []),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    opts.appendfsync ?? 'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    ...(opts.args ?? []),
  ]);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}:\n${output}`);
        return isListening('127.0.0.1', port);
      },
      10_000,
      'redis-server',
    );
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return { host: '127.0.0.1', port, process: child, stop: () => stopProcess(child) };
}
