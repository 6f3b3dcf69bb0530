import { ChildProcess, fork } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawEnv } from '../../backend/src/config/configuration';

/** The bench workspace (apps/bench): fixtures live in it, and its tsconfig is the one @swc-node/register reads. */
const BENCH = join(__dirname, '..');

export interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * A benchmark child process (a TypeScript file under apps/bench/fixtures, run through swc) driven over
 * IPC: `call` sends a command and resolves with the child's answer.
 */
export class BenchChild {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<number | null>;

  private constructor(
    readonly process: ChildProcess,
    readonly name: string,
    private readonly logFile: string,
  ) {
    process.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${name}: ${m.error}`));
    });
    this.exited = new Promise((resolve) =>
      process.once('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${code}):\n${this.logs()}`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  /** Starts `fixture` and waits until it answers `ready`. */
  static async start(
    fixture: string,
    env: RawEnv,
    opts: { name?: string; nodeArgs?: string[]; timeoutMs?: number } = {},
  ): Promise<BenchChild> {
    // Logs go to a file, as a deployment's would go to a collector: reading them here would put
    // their volume on the event loop that also runs the load generator.
    const dir = join(tmpdir(), 'ethico-bench-logs');
    mkdirSync(dir, { recursive: true });
    const logFile = join(dir, `${(opts.name ?? fixture).replace(/[^\w.-]/g, '_')}-${Date.now()}.log`);
    const fd = openSync(logFile, 'w');
    const child = fork(join(BENCH, 'fixtures', fixture), [], {
      cwd: BENCH,
      env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
      execArgv: ['-r', '@swc-node/register', ...(opts.nodeArgs ?? [])],
      stdio: ['ignore', fd, fd, 'ipc'],
    });
    closeSync(fd);
    const bc = new BenchChild(child, opts.name ?? fixture, logFile);
    await bc.call('ready', {}, opts.timeoutMs ?? 60_000);
    return bc;
  }

  call<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 600_000): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: ${cmd} did not answer within ${timeoutMs} ms:\n${this.logs()}`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.process.send({ id, cmd, args });
    });
  }

  /** The end of the child's output (its log file, kept in the temp folder). */
  logs(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-3000);
    } catch {
      return '';
    }
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
  // A benchmark that died must not leave its children running.
  process.on('disconnect', () => process.exit(0));
  setup.catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/** The child's side: on SIGTERM, closes what `setup` started, then exits. */
export function closeOnSigterm(setup: Promise<{ close(): Promise<unknown> }>): void {
  process.on('SIGTERM', () => {
    void setup
      .then((a) => a.close())
      .catch((err) => console.error(err))
      .finally(() => process.exit(0));
  });
}
