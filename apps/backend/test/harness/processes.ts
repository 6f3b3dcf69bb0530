import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawEnv } from '../../src/config/configuration';

const BACKEND = join(__dirname, '..', '..');

export interface Child {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function track(child: ChildProcess): Child {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The built backend (`npm run build`), exactly as `npm start` runs it. */
export function spawnBackend(env: RawEnv): Child {
  const main = join(BACKEND, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build (npm test does)`);
  return track(spawn(process.execPath, [main], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A TypeScript fixture under test/fixtures, run through swc. */
export function spawnFixture(name: string, env: RawEnv): Child {
  const file = join(BACKEND, 'test', 'fixtures', name);
  return track(
    spawn(process.execPath, ['-r', '@swc-node/register', file], {
      cwd: BACKEND,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Resolves when the child prints `marker` (or rejects with its output when it exits or times out). */
export function waitForOutput(child: Child, marker: string | RegExp, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const test = () => (typeof marker === 'string' ? child.output().includes(marker) : marker.test(child.output()));
    const timer = setInterval(() => {
      if (test()) {
        clearInterval(timer);
        resolve();
      } else if (child.process.exitCode !== null || Date.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`child did not print ${marker} (exit ${child.process.exitCode}):\n${child.output().slice(-3000)}`));
      }
    }, 50);
    const deadline = Date.now() + timeoutMs;
  });
}

/** The URL an HTTP-serving backend printed at startup (it listens on a free port in tests). */
export async function httpUrlOf(child: Child): Promise<string> {
  await waitForOutput(child, /HTTP on (http:\/\/[^\s)]+)/);
  return /HTTP on (http:\/\/[^\s)]+)/.exec(child.output())![1];
}

/** Resident memory of a process in bytes (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}
