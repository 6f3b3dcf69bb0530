import type { Queue } from 'bullmq';
import type { WorkQueueName as AnyWorkQueue } from '../backend/src/modules/jobs/types';

/** The queues the mixed backlog fills (the scheduled queue's jobs come from schedulers, not from load). */
type WorkQueueName = Extract<AnyWorkQueue, 'ai-processing' | 'email' | 'indexing'>;
import { Benchmark, BenchContext, rotated, sleep, until, verdict } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { bearer, load, LoadResult } from './lib/http';
import { benchQueue, unfinished } from './lib/queues';
import { fmt, fmtSummary, pairedRatios, summarize } from './lib/stats';

const CONDITIONS = ['idle', 'draining'] as const;
type Condition = (typeof CONDITIONS)[number];

interface LoopDelay {
  /** Histogram values: time between the sampling timer's runs (the 10 ms interval included). */
  p50: number;
  p99: number;
  max: number;
  /** Delay beyond the sampling interval: what the loop was late by. */
  lagP99: number;
  resolutionMs: number;
}

interface Window {
  http: LoadResult;
  loop: LoopDelay;
  /** Jobs finished during the window (draining only). */
  jobsDone?: number;
  backlogAtEnd?: number;
}

export interface NonBlockingResult {
  backlog: Record<BacklogQueue, number>;
  rate: number;
  windowS: number;
  rounds: Record<Condition, Window[]>;
  /** Jobs of the run that failed (kept in each queue's failed set), and the first reasons: should be none. */
  failed: Record<BacklogQueue, number>;
  failedReasons: string[];
  /** The same with the API and the workers in separate processes (APP_ROLE=api + APP_ROLE=worker). */
  split?: { rounds: Record<Condition, Window[]> };
  /** The issue's set-up with the workers' yield to requests off (WORKER_YIELD_LAG_MS=0). */
  noYield?: { rounds: Record<Condition, Window[]> };
}

/** The queues this bench fills; exports (reports) are not part of its mixed backlog. */
type BacklogQueue = Exclude<WorkQueueName, 'reports'>;

const ORG = 'org-bench-nb';

const SUMMARY_TEXT =
  'An employee reported that expense reports in the regional office were approved by the same manager who submitted them. ' +
  'The reporter noticed the pattern over three quarters and raised it with HR, who suggested a formal report. ' +
  'Amounts range from small meals to a conference trip; receipts for some items appear to be duplicated.';

/** The mixed backlog: mostly email and indexing, with AI jobs on the local provider (worker threads). */
function backlogOf(total: number): Record<BacklogQueue, number> {
  const ai = Math.round(total * 0.1);
  const email = Math.round(total * 0.45);
  return { 'ai-processing': ai, email, indexing: total - ai - email };
}

function jobsFor(queue: BacklogQueue, n: number, caseIds: string[]): { name: string; data: unknown }[] {
  return Array.from({ length: n }, (_, i) => {
    const caseId = caseIds[i % caseIds.length];
    switch (queue) {
      case 'email':
        return { name: 'send-email', data: emailPayload(ORG, i) };
      case 'indexing':
        return { name: 'update', data: { organizationId: ORG, operation: 'update', entityType: 'case', entityId: caseId } };
      case 'ai-processing':
        return {
          name: 'generate-summary',
          data: { organizationId: ORG, type: 'generate-summary', entityType: 'case', entityId: caseId, content: SUMMARY_TEXT },
        };
    }
  });
}

async function fill(queues: Record<BacklogQueue, Queue>, backlog: Record<BacklogQueue, number>, caseIds: string[]): Promise<void> {
  // Interleaved in chunks, so every queue has work from the start.
  const left = { ...backlog };
  while (Object.values(left).some((n) => n > 0)) {
    for (const q of Object.keys(left) as BacklogQueue[]) {
      const n = Math.min(1000, left[q]);
      if (n > 0) await queues[q].addBulk(jobsFor(q, n, caseIds) as never);
      left[q] -= n;
    }
  }
}

async function emptyQueues(queues: Record<BacklogQueue, Queue>): Promise<void> {
  for (const q of Object.values(queues)) await q.drain(true);
  await until(
    async () => {
      const counts = await Promise.all(Object.values(queues).map(unfinished));
      return counts.every((c) => c === 0) || undefined;
    },
    120_000,
    'backlog emptied',
    200,
  );
}

async function windowOf(app: BenchChild, read: () => Promise<LoadResult>): Promise<Window> {
  await app.call('resetLoop');
  const http = await read();
  const loop = await app.call<LoopDelay>('loop');
  if (http.non2xx || http.errors) throw new Error(`API read: ${http.non2xx} non-2xx answers, ${http.errors} errors`);
  return { http, loop };
}

type Topology = 'all' | 'all-no-yield' | 'split';

/**
 * `all`: one APP_ROLE=all process serves the reads and drains the backlog (the issue's case).
 * `all-no-yield`: the same with WORKER_YIELD_LAG_MS=0 (workers keep their concurrency while requests are served).
 * `split`: the same reads against an APP_ROLE=api process while an APP_ROLE=worker process drains.
 */
async function measureTopology(
  ctx: BenchContext,
  topology: Topology,
  opts: { backlog: Record<BacklogQueue, number>; windowS: number; rate: number },
): Promise<{ rounds: Record<Condition, Window[]>; failed: Record<BacklogQueue, number>; failedReasons: string[] }> {
  const prefix = `b-nb-${topology}`;
  const env = (role: string) =>
    appEnv(ctx.servers, {
      APP_ROLE: role,
      QUEUE_PREFIX: prefix,
      AI_PROVIDERS: 'local',
      ...(topology === 'all-no-yield' ? { WORKER_YIELD_LAG_MS: '0' } : {}),
    });
  const app = await BenchChild.start('app.main.ts', env(topology === 'split' ? 'api' : 'all'), {
    name: topology === 'split' ? 'api' : 'app',
  });
  const worker = topology === 'split' ? await BenchChild.start('app.main.ts', env('worker'), { name: 'worker' }) : undefined;
  const queues = {
    'ai-processing': benchQueue(ctx.servers, 'ai-processing', prefix),
    email: benchQueue(ctx.servers, 'email', prefix),
    indexing: benchQueue(ctx.servers, 'indexing', prefix),
  };
  try {
    const base = await app.call<string>('url');
    const auth = { authorization: bearer(ORG) };
    const caseIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/api/v1/cases`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Benchmark case ${i}`, description: SUMMARY_TEXT }),
      });
      if (res.status !== 201) throw new Error(`creating a case answered ${res.status}: ${await res.text()}`);
      caseIds.push(((await res.json()) as { id: string }).id);
    }
    await emptyQueues(queues);
    const read = (durationS: number) =>
      load({ url: `${base}/api/v1/cases/${caseIds[0]}`, headers: auth, connections: 4, durationS, rate: opts.rate });
    await read(2);
    const rounds: Record<Condition, Window[]> = { idle: [], draining: [] };
    for (let r = 0; r < ctx.rounds; r++) {
      for (const c of rotated(CONDITIONS, r)) {
        if (c === 'idle') {
          rounds.idle.push(await windowOf(app, () => read(opts.windowS)));
          continue;
        }
        await fill(queues, opts.backlog, caseIds);
        const before = (await Promise.all(Object.values(queues).map(unfinished))).reduce((a, b) => a + b, 0);
        await sleep(500); // workers are at full speed
        // BENCH_PROFILE_DIR: a CPU profile of the serving process for each draining window, to see what holds its loop.
        const profileDir = process.env.BENCH_PROFILE_DIR;
        if (profileDir) await app.call('profileStart');
        const w = await windowOf(app, () => read(opts.windowS));
        if (profileDir) await app.call('profileStop', { file: `${profileDir}/nonblocking-${topology}-draining-${r + 1}.cpuprofile` });
        const after = (await Promise.all(Object.values(queues).map(unfinished))).reduce((a, b) => a + b, 0);
        rounds.draining.push({ ...w, jobsDone: before - after, backlogAtEnd: after });
        await emptyQueues(queues);
      }
      ctx.log(
        `  ${topology} round ${r + 1}: ${CONDITIONS.map((c) => `${c} p99 ${rounds[c][r].http.p99} ms loop delay p99 ${fmt(rounds[c][r].loop.lagP99)} ms`).join(', ')}; backlog left ${rounds.draining[r].backlogAtEnd}`,
      );
    }
    const failed = {} as Record<BacklogQueue, number>;
    const failedReasons: string[] = [];
    for (const [name, q] of Object.entries(queues) as [BacklogQueue, Queue][]) {
      failed[name] = await q.getFailedCount();
      for (const j of await q.getFailed(0, 2)) failedReasons.push(`${name}/${j.name}: ${j.failedReason}`);
    }
    return { rounds, failed, failedReasons };
  } finally {
    await Promise.all(Object.values(queues).map((q) => q.close()));
    await worker?.stop();
    await app.stop();
  }
}

function comparisonRows(label: string, rounds: Record<Condition, Window[]>, windowS: number): string[] {
  const s = (c: Condition, f: (w: Window) => number) => fmtSummary(summarize(rounds[c].map(f)));
  return [
    `| ${label}, idle | ${s('idle', (w) => w.http.p50)} | ${s('idle', (w) => w.http.p99)} | ${s('idle', (w) => w.loop.lagP99)} | ${s('idle', (w) => w.loop.p99)} | – |`,
    `| ${label}, draining | ${s('draining', (w) => w.http.p50)} | ${s('draining', (w) => w.http.p99)} | ${s('draining', (w) => w.loop.lagP99)} | ${s('draining', (w) => w.loop.p99)} | ${s('draining', (w) => (w.jobsDone ?? 0) / windowS)} |`,
  ];
}

export const nonBlockingBench: Benchmark<NonBlockingResult> = {
  name: 'nonblocking',
  title: '3. Non-blocking HTTP while draining a backlog',
  async run(ctx: BenchContext) {
    // Enough that no window outlives the backlog, even without the yield: on the machine of
    // 2026-11-29, 30,000 jobs could run out within 20 s. The report says if one did. BENCH_NB_BACKLOG overrides.
    const total = Number(process.env.BENCH_NB_BACKLOG ?? (ctx.quick ? 5_000 : 80_000));
    const windowS = ctx.quick ? 4 : 20;
    const rate = 100;
    const backlog = backlogOf(total);
    const all = await measureTopology(ctx, 'all', { backlog, windowS, rate });
    const noYield = await measureTopology(ctx, 'all-no-yield', { backlog, windowS, rate });
    const split = await measureTopology(ctx, 'split', { backlog, windowS, rate });
    return { backlog, rate, windowS, ...all, noYield: { rounds: noYield.rounds }, split: { rounds: split.rounds } };
  },
  headline(result) {
    const ratio = summarize(
      pairedRatios(
        result.rounds.draining.map((w) => w.http.p99),
        result.rounds.idle.map((w) => w.http.p99),
      ),
    );
    const loop = summarize(result.rounds.draining.map((w) => w.loop.lagP99));
    return [
      { figure: 'API read p99 while draining ÷ idle', value: fmtSummary(ratio), target: '≤ 1.5', verdict: verdict(ratio.median <= 1.5) },
      { figure: 'Event-loop delay p99 while draining, ms', value: fmtSummary(loop), target: '< 20', verdict: verdict(loop.median < 20) },
    ];
  },
  render(result) {
    const s = (c: Condition, f: (w: Window) => number) => summarize(result.rounds[c].map(f));
    const p99 = (w: Window) => w.http.p99;
    const p50 = (w: Window) => w.http.p50;
    const loop = (w: Window) => w.loop.lagP99;
    const loopRaw = (w: Window) => w.loop.p99;
    const ratio = summarize(pairedRatios(result.rounds.draining.map(p99), result.rounds.idle.map(p99)));
    const loopBusy = s('draining', loop);
    const total = Object.values(result.backlog).reduce((a, b) => a + b, 0);
    const drained = s('draining', (w) => (w.jobsDone ?? 0) / result.windowS);
    const windows = [result.rounds, result.noYield?.rounds, result.split?.rounds].flatMap((r) => r?.draining ?? []);
    const left = Math.min(...windows.map((w) => w.backlogAtEnd ?? 0));
    const ranOut = windows.filter((w) => (w.backlogAtEnd ?? 0) === 0).length;
    return [
      `One \`APP_ROLE=all\` process (API and all workers, local AI provider; default settings, so its workers yield to requests: \`WORKER_YIELD_LAG_MS=5\`, see the README's process roles). Load: \`GET /api/v1/cases/:id\` paced at ${result.rate} req/s (autocannon, 4 connections) for ${result.windowS} s, idle and while the process drains a backlog of ${total.toLocaleString('en-US')} jobs (${Object.entries(
        result.backlog,
      )
        .map(([q, n]) => `${n.toLocaleString('en-US')} ${q}`)
        .join(
          ', ',
        )}) filled just before the window. Event-loop delay: \`monitorEventLoopDelay\` (10 ms resolution) inside the process, reset at the start of each window. Its histogram records the time between the runs of its 10 ms sampling timer, so an idle loop reads about 10 ms; the delay column is that value minus the 10 ms interval (how late the loop was), and the raw histogram is shown beside it.`,
      '',
      '| condition | read p50 ms | read p99 ms | event-loop delay p99 ms | histogram p99 ms (interval included) | jobs finished/s in the window |',
      '|---|---:|---:|---:|---:|---:|',
      `| idle | ${fmtSummary(s('idle', p50))} | ${fmtSummary(s('idle', p99))} | ${fmtSummary(s('idle', loop))} | ${fmtSummary(s('idle', loopRaw))} | – |`,
      `| draining | ${fmtSummary(s('draining', p50))} | ${fmtSummary(s('draining', p99))} | ${fmtSummary(loopBusy)} | ${fmtSummary(s('draining', loopRaw))} | ${fmtSummary(drained)} |`,
      ...(result.noYield ? comparisonRows('without the yield', result.noYield.rounds, result.windowS) : []),
      ...(result.split ? comparisonRows('split roles', result.split.rounds, result.windowS) : []),
      '',
      `- Read p99 draining ÷ idle: **${fmtSummary(ratio)}**; target ≤ 1.5: **${ratio.median <= 1.5 ? 'pass' : 'miss'}**.`,
      `- Event-loop delay p99 while draining: **${fmtSummary(loopBusy)} ms**; target < 20 ms: **${loopBusy.median < 20 ? 'pass' : 'miss'}**.`,
      `- Jobs of the run that failed: ${Object.entries(result.failed ?? {})
        .map(([q, n]) => `${q} ${n}`)
        .join(', ')}${result.failedReasons?.length ? ` (${result.failedReasons.join('; ')})` : ''}.`,
      ...(result.noYield
        ? [
            `- Without the workers' yield to requests (\`WORKER_YIELD_LAG_MS=0\`, otherwise the same process and load): p99 draining ÷ idle ${fmtSummary(summarize(pairedRatios(result.noYield.rounds.draining.map(p99), result.noYield.rounds.idle.map(p99))))}, event-loop delay p99 ${fmtSummary(summarize(result.noYield.rounds.draining.map(loop)))} ms, ${fmtSummary(summarize(result.noYield.rounds.draining.map((w) => (w.jobsDone ?? 0) / result.windowS)))} jobs finished/s.`,
          ]
        : []),
      ...(result.split
        ? [
            `- For comparison (not the issue's setup): the same reads against an \`APP_ROLE=api\` process while a separate \`APP_ROLE=worker\` process drains the backlog; p99 draining ÷ idle ${fmtSummary(summarize(pairedRatios(result.split.rounds.draining.map(p99), result.split.rounds.idle.map(p99))))}, API event-loop delay p99 ${fmtSummary(summarize(result.split.rounds.draining.map(loop)))} ms.`,
          ]
        : []),
      ranOut > 0
        ? `- **The backlog ran out before the end of ${ranOut} of ${windows.length} draining windows**: those were partly idle, and their figures flatter the draining condition. Re-run with a larger \`BENCH_NB_BACKLOG\`.`
        : `- At the end of every draining window (all three set-ups) at least ${left.toLocaleString('en-US')} jobs were still waiting: the whole window was measured under backlog.`,
    ].join('\n');
  },
};
