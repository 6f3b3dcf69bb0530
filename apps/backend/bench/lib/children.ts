import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { RawEnv } from '../../src/config/configuration';

const BACKEND = join(__dirname, '..', '..');

export interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * A benchmark child process (a TypeScript file under bench/fixtures, run through swc) driven over
 * IPC: `call` sends a command and resolves with the child's answer.
 */
export class BenchChild {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly process: ChildProcess, readonly name: string) {
    process.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-8000)));
    process.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-8000)));
    process.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${name}: ${m.error}`));
    });
    this.exited = new Promise((resolve) =>
      process.once('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${code}):\n${this.output.slice(-3000)}`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  /** Starts `fixture` and waits until it answers `ready`. */
  static async start(fixture: string, env: RawEnv, opts: { name?: string; nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<BenchChild> {
    const child = fork(join(BACKEND, 'bench', 'fixtures', fixture), [], {
      cwd: BACKEND,
      env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
      execArgv: ['-r', '@swc-node/register', ...(opts.nodeArgs ?? [])],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const bc = new BenchChild(child, opts.name ?? fixture);
    await bc.call('ready', {}, opts.timeoutMs ?? 60_000);
    return bc;
  }

  call<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 600_000): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: ${cmd} did not answer within ${timeoutMs} ms:\n${this.output.slice(-3000)}`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.process.send({ id, cmd, args });
    });
  }

  logs(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

type Handler = (args: any) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The child's side: answers commands from the parent; `ready` is answered once `setup` resolved. */
export function serveCommands(handlers: Record<string, Handler>, setup: Promise<unknown>): void {
  process.on('message', (m: { id: number; cmd: string; args: unknown }) => {
    const handler = m.cmd === 'ready' ? () => setup.then(() => true) : handlers[m.cmd];
    if (!handler) {
      process.send?.({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(m.args))
      .then(
        (result) => process.send?.({ id: m.id, ok: true, result }),
        (err: Error) => process.send?.({ id: m.id, ok: false, error: err?.stack ?? String(err) }),
      );
  });
  setup.catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
