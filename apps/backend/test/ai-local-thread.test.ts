import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { DEFAULT_CATEGORIES } from '../src/modules/ai/ai-categories.service';
import { summarize } from '../src/modules/ai/local/local-algorithms';
import { LocalThreadPool, LocalThreadTimeoutError } from '../src/modules/ai/local/local-thread-pool';
import { REPORT, REPORT_SUMMARY } from './fixtures/ai-texts';

const run = promisify(execFile);

/** The longest gap between ticks of a 5 ms timer on this (main) thread while `work` runs. */
async function maxLoopLag<T>(work: Promise<T>): Promise<{ lagMs: number; result: T }> {
  let last = Date.now();
  let lagMs = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    lagMs = Math.max(lagMs, now - last);
    last = now;
  }, 5);
  try {
    const result = await work;
    return { lagMs, result };
  } finally {
    clearInterval(timer);
  }
}

describe('local provider worker thread', () => {
  const pool = new LocalThreadPool();
  afterAll(() => pool.onApplicationShutdown());

  (process.platform === 'linux' ? it : it.skip)('runs the thread at a lower priority than the process (nice +10 on Linux)', async () => {
    await pool.run({ op: 'cleanup', text: 'x' }, 5_000);
    const nice = (task: string) => {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const tasks = readdirSync('/proc/self/task');
    const main = nice(String(process.pid));
    // The thread, and any thread it started (a native module's pool, say), run at +10; the
    // process's main thread and the rest keep their priority.
    const niced = tasks.filter((t) => nice(t) === Math.min(19, main + 10));
    expect(niced.length).toBeGreaterThanOrEqual(1);
    expect(niced).not.toContain(String(process.pid));
    expect(niced.length).toBeLessThan(tasks.length - 1);
  });

  it('runs the algorithms in a thread from the TypeScript sources', async () => {
    expect(isMainThread).toBe(true);
    await expect(pool.run({ op: 'summarize', text: REPORT, maxChars: 1200 }, 10_000)).resolves.toBe(REPORT_SUMMARY);
    await expect(pool.run({ op: 'categorize', text: REPORT, categories: DEFAULT_CATEGORIES.map((c) => ({ ...c })) }, 5_000)).resolves.toBe(
      'Harassment & Discrimination',
    );
  });

  it('keeps the main event loop free while it computes', async () => {
    // Grow the text until the work, done inline, would block the loop for a noticeable time.
    let big = REPORT;
    let inlineMs = 0;
    while (inlineMs < 250 && big.length < 20_000_000) {
      big = `${big} ${big}`;
      const started = Date.now();
      summarize(big, 1200);
      inlineMs = Date.now() - started;
    }
    expect(inlineMs).toBeGreaterThanOrEqual(250);
    const { lagMs, result } = await maxLoopLag(pool.run({ op: 'summarize', text: big, maxChars: 1200 }, 30_000));
    expect(result!.length).toBeGreaterThan(0);
    // Inline, the timer could not tick for inlineMs; with the work in the thread it keeps ticking.
    expect(lagMs).toBeLessThan(inlineMs / 3);
  });

  it('replaces a thread that overruns its timeout, and keeps serving', async () => {
    const huge = Array.from({ length: 20000 }, () => REPORT).join(' ');
    await expect(pool.run({ op: 'summarize', text: huge, maxChars: 1200 }, 20)).rejects.toBeInstanceOf(LocalThreadTimeoutError);
    await expect(pool.run({ op: 'cleanup', text: 'um, hello   world' }, 10_000)).resolves.toBe('Hello world.');
  });

  it('runs from the compiled dist/ as well', async () => {
    const compiled = join(__dirname, '..', 'dist', 'modules', 'ai', 'local', 'local-thread-pool.js');
    if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first (root \`npm test\` does)`);
    const script = `
      const { LocalThreadPool } = require(${JSON.stringify(compiled)});
      const pool = new LocalThreadPool();
      pool.run({ op: 'summarize', text: ${JSON.stringify(REPORT)}, maxChars: 1200 }, 10000)
        .then((s) => { process.stdout.write(s); return pool.onApplicationShutdown(); })
        .catch((e) => { console.error(e); process.exit(1); });`;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 20_000 });
    expect(stdout).toBe(REPORT_SUMMARY);
  });
});
