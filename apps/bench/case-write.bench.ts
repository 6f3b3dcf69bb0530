import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../backend/src/dev/embedded/processes';
import { Benchmark, sleep, verdict } from './lib/bench';
import { appEnv } from './lib/env';
import { bearer, load, LoadResult } from './lib/http';
import { fmtSummary, pairedRatios, summarize } from './lib/stats';

/**
 * "Today's" case write, as issue #14 measures against: the last revision before the transactional
 * outbox landed, when a case write committed and its jobs were enqueued after the commit (and lost
 * when Redis refused them). Built from git into a temp folder, with this checkout's node_modules.
 */
const REFERENCE_REV = process.env.BENCH_CASE_WRITE_REF ?? '55efe56';
const REPO = join(__dirname, '..', '..');
const TARGET = 1.1;
const SYSTEMS = ['outbox', 'reference'] as const;
type System = (typeof SYSTEMS)[number];

export interface CaseWriteResult {
  referenceRev: string;
  rate: number;
  connections: number;
  durationS: number;
  rounds: Record<System, LoadResult>[];
  /** Per round: the outbox relay's lag (row committed to job enqueued), p50 and p99 ms, from job_outbox. */
  relayLag: { p50: number; p99: number; rows: number }[];
}

/** The backend at REFERENCE_REV, built once per machine (a temp folder keyed by the revision). */
function buildReference(log: (m: string) => void): string {
  const dir = join(tmpdir(), `ethico-case-write-ref-${REFERENCE_REV}`);
  const main = join(dir, 'apps', 'backend', 'dist', 'main.js');
  if (existsSync(main)) return dir;
  log(`  building the reference backend at ${REFERENCE_REV} in ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync('git', ['-C', REPO, 'archive', REFERENCE_REV, 'apps/backend'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  if (existsSync(join(REPO, 'apps', 'backend', 'node_modules')))
    symlinkSync(join(REPO, 'apps', 'backend', 'node_modules'), join(dir, 'apps', 'backend', 'node_modules'));
  const backend = join(dir, 'apps', 'backend');
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(backend, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, [join(backend, 'scripts', 'copy-templates.js')], { stdio: 'inherit' });
  return dir;
}

/** One API process of `dist` on its own port and log file, ready once /health answers. */
async function startApi(dist: string, env: Record<string, string>, name: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const logDir = join(tmpdir(), 'ethico-bench-logs');
  mkdirSync(logDir, { recursive: true });
  const fd = openSync(join(logDir, `case-write-${name}-${Date.now()}.log`), 'w');
  const child = spawn(process.execPath, [join(dist, 'main.js')], {
    env: { PATH: process.env.PATH, ...env, PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child };
    await sleep(100);
  }
  throw new Error(`${name} did not answer /health within 30 s`);
}

async function stopApi(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * POST /api/v1/cases (a case with an assignee: its indexing, assignment-email and AI jobs) at a paced
 * rate through the API role, today against the reference revision: both processes built with tsc and
 * run from dist on the same private servers (each its own database and queue prefix), in turns that
 * alternate from round to round. No workers: the jobs wait in Redis, so the API's write path and,
 * for the outbox, its relay are what is measured.
 */
export const caseWriteBench: Benchmark<CaseWriteResult> = {
  name: 'case-write',
  title: '10. Case write latency: transactional outbox against the revision before it',
  async run(ctx) {
    const reference = buildReference(ctx.log);
    const refDb = `ethico_bench_ref_${Date.now().toString(36)}`;
    const admin = new Client({ connectionString: ctx.servers.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${refDb}`);
    const refUrl = new URL(ctx.servers.databaseUrl);
    refUrl.pathname = `/${refDb}`;
    const base = appEnv(ctx.servers, { APP_ROLE: 'api', LOG_LEVEL: 'warn' });
    const envOf = (system: System) =>
      Object.fromEntries(
        Object.entries({
          ...base,
          QUEUE_PREFIX: `b-cw-${system}`,
          ...(system === 'reference' ? { DATABASE_URL: refUrl.toString() } : {}),
        }).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    execFileSync(process.execPath, [join(reference, 'apps', 'backend', 'dist', 'dev', 'migrate.cli.js')], {
      env: { PATH: process.env.PATH, ...envOf('reference') },
      stdio: 'ignore',
    });
    const dists: Record<System, string> = {
      outbox: join(REPO, 'apps', 'backend', 'dist'),
      reference: join(reference, 'apps', 'backend', 'dist'),
    };
    const apis = {} as Record<System, { url: string; child: ChildProcess }>;
    const rate = ctx.quick ? 100 : 200;
    const durationS = ctx.quick ? 5 : 15;
    const connections = 10;
    const rounds: CaseWriteResult['rounds'] = [];
    const relayLag: CaseWriteResult['relayLag'] = [];
    const lagSince = async (since: Date) => {
      // Every row of the round relayed first (the relay drains within a second when healthy).
      for (let i = 0; i < 100; i++) {
        const [{ pending }] = (
          await admin.query<{ pending: number }>(
            `SELECT count(*)::int AS pending FROM job_outbox WHERE queue_prefix = 'b-cw-outbox' AND sent_at IS NULL AND created_at >= $1`,
            [since],
          )
        ).rows;
        if (pending === 0) break;
        await sleep(100);
      }
      const { rows } = await admin.query<{ p50: number; p99: number; n: number }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99, count(*)::int AS n
           FROM (SELECT extract(epoch FROM sent_at - created_at) * 1000 AS lag FROM job_outbox
                  WHERE queue_prefix = 'b-cw-outbox' AND created_at >= $1 AND sent_at IS NOT NULL) l`,
        [since],
      );
      return { p50: Math.round(rows[0].p50), p99: Math.round(rows[0].p99), rows: rows[0].n };
    };
    try {
      for (const system of SYSTEMS) apis[system] = await startApi(dists[system], envOf(system), system);
      const body = JSON.stringify({
        title: 'Expense report irregularities in the Lyon office',
        description: 'A reporter describes invoices approved twice by the same manager over three months.',
        priority: 'high',
        assigneeEmail: 'investigator@example.com',
      });
      const write = (system: System, s: number) =>
        load({
          url: `${apis[system].url}/api/v1/cases`,
          method: 'POST',
          headers: { authorization: bearer(`org-cw-${system}`) },
          body,
          connections,
          durationS: s,
          rate,
        });
      for (const system of SYSTEMS) await write(system, 3); // warm-up: JIT, pools, the tenant's first case and key
      for (let r = 0; r < ctx.rounds; r++) {
        const order = r % 2 ? [...SYSTEMS].reverse() : [...SYSTEMS];
        const round = {} as Record<System, LoadResult>;
        for (const system of order) {
          const since = new Date();
          round[system] = await write(system, durationS);
          if (system === 'outbox') relayLag.push(await lagSince(since));
          if (round[system].non2xx || round[system].errors)
            throw new Error(`${system}: ${round[system].non2xx} non-2xx, ${round[system].errors} errors`);
        }
        rounds.push(round);
        ctx.log(
          `  round ${r + 1}: ${SYSTEMS.map((s) => `${s} p50 ${round[s].p50} ms p99 ${round[s].p99} ms (${Math.round(round[s].requestsPerSec)}/s)`).join(', ')}; relay lag p50 ${relayLag[r].p50} ms p99 ${relayLag[r].p99} ms`,
        );
      }
    } finally {
      for (const api of Object.values(apis)) await stopApi(api.child);
      await admin.query(`DROP DATABASE IF EXISTS ${refDb}`).catch(() => undefined);
      await admin.end();
    }
    return { referenceRev: REFERENCE_REV, rate, connections, durationS, rounds, relayLag };
  },
  headline(result) {
    const ratio = summarize(
      pairedRatios(
        result.rounds.map((r) => r.outbox.p99),
        result.rounds.map((r) => r.reference.p99),
      ),
    );
    return [
      {
        figure: `Case write p99, outbox ÷ before the outbox (${result.referenceRev}), ${result.rate} writes/s`,
        value: fmtSummary(ratio),
        target: `≤ ${TARGET}`,
        verdict: verdict(ratio.median <= TARGET),
      },
      {
        figure: `Outbox relay lag p99 (write committed to job enqueued), ${result.rate} writes/s, ms`,
        value: fmtSummary(summarize(result.relayLag.map((l) => l.p99))),
        target: '≤ 1000',
        verdict: verdict(summarize(result.relayLag.map((l) => l.p99)).median <= 1000),
      },
    ];
  },
  render(result) {
    const col = (s: System, f: 'p50' | 'p99' | 'requestsPerSec') => fmtSummary(summarize(result.rounds.map((r) => r[s][f])));
    const ratio = (f: 'p50' | 'p99') =>
      fmtSummary(
        summarize(
          pairedRatios(
            result.rounds.map((r) => r.outbox[f]),
            result.rounds.map((r) => r.reference[f]),
          ),
        ),
      );
    return [
      `\`POST /api/v1/cases\` (a case with an assignee: indexing, assignment email and AI jobs) at ${result.rate} writes/s over ${result.connections} connections for ${result.durationS} s per round, through one \`APP_ROLE=api\` process built from each revision and run from \`dist\`; no workers. The reference is ${result.referenceRev}, the last revision before the transactional outbox: its write committed, then enqueued the jobs (and lost them when Redis refused). Now the jobs' rows are staged, sealed, in the write's transaction and a relay enqueues them.`,
      '',
      '| revision | p50 ms | p99 ms | writes/s |',
      '|---|---:|---:|---:|',
      `| transactional outbox (this revision) | ${col('outbox', 'p50')} | ${col('outbox', 'p99')} | ${col('outbox', 'requestsPerSec')} |`,
      `| before the outbox (${result.referenceRev}) | ${col('reference', 'p50')} | ${col('reference', 'p99')} | ${col('reference', 'requestsPerSec')} |`,
      `| ratio | ${ratio('p50')} | ${ratio('p99')} | |`,
      '',
      `Relay lag (from \`job_outbox\`: the write's transaction start to the row marked sent, every row of the round): p50 ${fmtSummary(summarize(result.relayLag.map((l) => l.p50)))} ms, p99 ${fmtSummary(summarize(result.relayLag.map((l) => l.p99)))} ms (target p99 ≤ 1,000 ms).`,
      '',
      `Target: p99 ≤ ${TARGET}× (issue #14). Latencies are autocannon's, in ms.`,
    ].join('\n');
  },
};
