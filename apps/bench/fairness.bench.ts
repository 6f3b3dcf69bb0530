import { Job, Worker } from 'bullmq';
import type { Queue } from 'bullmq';
import { CancellableWorker } from '../backend/src/modules/jobs/runtime/cancellable.worker';
import { tenantCappedWorkerClass } from '../backend/src/modules/jobs/runtime/tenant-caps.worker';
import { Benchmark, BenchContext, Headline, sleep, until, verdict } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv } from './lib/env';
import { benchQueue, unfinished } from './lib/queues';
import { fmt, percentile } from './lib/stats';

/** The benchmark's sizes: the issue's figures in the full run, smaller in the quick one. */
const sizes = (ctx: BenchContext) =>
  ctx.quick
    ? { flood: 10_000, windowS: 4, backlog: 300, weighted: 600, alone: 5_000, aiWindowMs: 4_000, aiCap: 10, rounds: 1 }
    : {
        flood: 50_000,
        windowS: 10,
        backlog: 1_000,
        weighted: 2_000,
        alone: 20_000,
        aiWindowMs: 10_000,
        aiCap: 20,
        rounds: Math.min(2, ctx.rounds),
      };

/** Indexing jobs cost this much each in the consumer (a stand-in for an index write), 10 at a time. */
const JOB_MS = 5;
const CONCURRENCY = 10;
const SMALL = ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].map((x) => `org-${x}`);
const now = () => performance.timeOrigin + performance.now();

type Mode = 'fair' | 'fifo';

interface Taken {
  id: string;
  org: string;
  at: number;
}

/** A consumer in this process: records when each job became active and whose it was. */
function consumer(ctx: BenchContext, prefix: string, queue: string, jobMs: number, WorkerClass: typeof Worker = Worker) {
  const taken: Taken[] = [];
  const worker = new WorkerClass(
    queue,
    async (job: Job) => {
      taken.push({ id: job.id!, org: (job.data as { organizationId: string }).organizationId, at: now() });
      if (jobMs > 0) await sleep(jobMs);
    },
    { connection: { ...ctx.servers.redis, maxRetriesPerRequest: null }, prefix, concurrency: CONCURRENCY, autorun: false },
  );
  return { taken, worker };
}

async function producer(ctx: BenchContext, prefix: string, mode: Mode): Promise<BenchChild> {
  return BenchChild.start(
    'fairness.main.ts',
    appEnv(ctx.servers, { APP_ROLE: 'api', QUEUE_PREFIX: prefix, FAIRNESS_ENABLED: String(mode === 'fair') }),
    { name: `fairness-${mode}` },
  );
}

async function emptied(q: Queue): Promise<void> {
  await q.obliterate({ force: true });
}

interface FloodWindow {
  condition: string;
  /** B..K's waits (send to active), ms. */
  p50: number;
  p99: number;
  max: number;
  jobs: number;
  /** A's jobs still waiting at the end of the window: the flood lasted the whole window. */
  floodLeft: number;
}

/** A floods (or not) then B..K send 5 jobs/s each for the window, a consumer of CONCURRENCY running throughout. */
async function floodWindow(
  ctx: BenchContext,
  child: BenchChild,
  prefix: string,
  condition: string,
  flood: number,
  entities: number,
): Promise<FloodWindow> {
  const { windowS } = sizes(ctx);
  const q = benchQueue(ctx.servers, 'indexing', prefix);
  const { taken, worker } = consumer(ctx, prefix, 'indexing', JOB_MS);
  try {
    if (flood > 0) await child.call('flood', { org: 'org-a', n: flood, entities, inFlight: 64 });
    void worker.run();
    await worker.waitUntilReady();
    const sent = await child.call<{ id: string; org: string; at: number }[]>('steady', { orgs: SMALL, perSecond: 5, seconds: windowS });
    const ids = new Set(sent.map((s) => s.id));
    await until(async () => taken.filter((t) => ids.has(t.id)).length === sent.length || undefined, 120_000, `${condition}: B..K done`, 20);
    const floodLeft = await q.getPrioritizedCount();
    const activeAt = new Map(taken.map((t) => [t.id, t.at]));
    const waits = sent.map((s) => activeAt.get(s.id)! - s.at);
    return { condition, p50: percentile(waits, 50), p99: percentile(waits, 99), max: Math.max(...waits), jobs: sent.length, floodLeft };
  } finally {
    await worker.close(true);
    await emptied(q);
    await q.close();
  }
}

const jain = (xs: number[]) => xs.reduce((a, b) => a + b, 0) ** 2 / (xs.length * xs.reduce((a, b) => a + b * b, 0));

/** Every tenant backlogged (enqueued one after the other), then consumed: shares of the first half taken. */
async function backlogShares(ctx: BenchContext, child: BenchChild, prefix: string, tenants: { org: string; n: number }[]) {
  const q = benchQueue(ctx.servers, 'indexing', prefix);
  const { taken, worker } = consumer(ctx, prefix, 'indexing', 0);
  try {
    for (const t of tenants) await child.call('flood', { org: t.org, n: t.n, inFlight: 64 });
    const half = Math.floor(tenants.reduce((a, t) => a + t.n, 0) / 2);
    void worker.run();
    await until(async () => taken.length >= half || undefined, 120_000, 'half the backlog taken', 20);
    const first = taken.slice(0, half);
    return tenants.map((t) => first.filter((x) => x.org === t.org).length);
  } finally {
    await worker.close(true);
    await emptied(q);
    await q.close();
  }
}

/** A alone: enqueue rate through JobsService, then the drain rate of a no-op consumer. */
async function alone(ctx: BenchContext, child: BenchChild, prefix: string) {
  const { alone: n } = sizes(ctx);
  const q = benchQueue(ctx.servers, 'indexing', prefix);
  const { taken, worker } = consumer(ctx, prefix, 'indexing', 0);
  try {
    const enqueuePerS = await child.call<number>('flood', { org: 'org-a', n, entities: 1000, inFlight: 64 });
    const started = now();
    void worker.run();
    await until(async () => (taken.length >= n && (await unfinished(q)) === 0) || undefined, 120_000, 'A alone drained', 20);
    return { enqueuePerS, drainPerS: n / ((now() - started) / 1000) };
  } finally {
    await worker.close(true);
    await emptied(q);
    await q.close();
  }
}

interface AiCapResult {
  cap: number;
  windowMs: number;
  /** Most of A's starts in any window (sliding over every start). */
  maxInWindow: number;
  aStarted: number;
  othersPerSecond: number;
  /** B..D's waits p99 with A capped and present, and with A absent, ms. */
  othersP99: number;
  othersP99Absent: number;
}

/** A capped at `cap` starts per window floods the AI queue while B..D send 2 jobs/s; with and without A. */
async function aiCap(ctx: BenchContext, child: BenchChild, prefix: string): Promise<AiCapResult> {
  const { aiWindowMs: windowMs, aiCap: cap } = sizes(ctx);
  const Capped = tenantCappedWorkerClass(CancellableWorker, () => ({ concurrency: 0, perWindow: cap, windowMs, retryMs: 50 }));
  const seconds = (windowMs * 2.5) / 1000;
  // Half the cap: the others stay under it, so what they wait for is A, not their own limit.
  const othersPerSecond = Math.max(1, Math.floor((cap * 1000) / windowMs / 2));
  const run = async (withA: boolean) => {
    const q = benchQueue(ctx.servers, 'ai-processing', prefix);
    const { taken, worker } = consumer(ctx, prefix, 'ai-processing', 20, Capped as unknown as typeof Worker);
    try {
      if (withA) await child.call('flood', { queue: 'ai-processing', org: 'org-a', n: cap * 6, inFlight: 16 });
      void worker.run();
      const sent = await child.call<{ id: string; org: string; at: number }[]>('steady', {
        queue: 'ai-processing',
        orgs: SMALL.slice(0, 3),
        perSecond: othersPerSecond,
        seconds,
      });
      const ids = new Set(sent.map((s) => s.id));
      await until(async () => taken.filter((t) => ids.has(t.id)).length === sent.length || undefined, 60_000, 'AI B..D done', 20);
      // The first start of each job (a held-back job is taken again later: only its real start counts).
      const firstAt = new Map<string, Taken>();
      for (const t of taken) firstAt.set(t.id, t);
      const activeAt = new Map([...firstAt.values()].map((t) => [t.id, t.at]));
      const waits = sent.map((s) => activeAt.get(s.id)! - s.at);
      const aStarts = [...firstAt.values()].filter((t) => t.org === 'org-a').map((t) => t.at);
      aStarts.sort((a, b) => a - b);
      let maxInWindow = 0;
      for (let i = 0, j = 0; i < aStarts.length; i++) {
        while (aStarts[i] - aStarts[j] >= windowMs) j++;
        maxInWindow = Math.max(maxInWindow, i - j + 1);
      }
      return { p99: percentile(waits, 99), maxInWindow, aStarted: aStarts.length };
    } finally {
      await worker.close(true);
      await emptied(q);
      await q.close();
    }
  };
  const capped = await run(true);
  const absent = await run(false);
  return {
    cap,
    windowMs,
    othersPerSecond,
    maxInWindow: capped.maxInWindow,
    aStarted: capped.aStarted,
    othersP99: capped.p99,
    othersP99Absent: absent.p99,
  };
}

export interface FairnessResult {
  flood: number;
  windowS: number;
  jobMs: number;
  concurrency: number;
  rounds: FloodWindow[][];
  jainFair: number;
  jainFifo: number;
  weighted: { heavy: number; light: number; ratio: number };
  alone: { jobs: number; fair: { enqueuePerS: number; drainPerS: number }; fifo: { enqueuePerS: number; drainPerS: number } };
  ai: AiCapResult;
}

const med = (xs: number[]) => percentile(xs, 50);

export const fairnessBench: Benchmark<FairnessResult> = {
  name: 'fairness',
  title: '8. Tenant fairness: a flooding tenant against ten small ones',
  async run(ctx) {
    const s = sizes(ctx);
    const fair = await producer(ctx, 'b-fair', 'fair');
    const fifo = await producer(ctx, 'b-fifo', 'fifo');
    try {
      // Warm-up (connections, JIT in both producers and here), not counted.
      await floodWindow(ctx, fair, 'b-fair', 'warm-up', 2_000, 1);
      await floodWindow(ctx, fifo, 'b-fifo', 'warm-up', 2_000, 1);
      const rounds: FloodWindow[][] = [];
      for (let r = 0; r < s.rounds; r++) {
        const round = [
          await floodWindow(ctx, fair, 'b-fair', 'A absent', 0, 1),
          await floodWindow(ctx, fair, 'b-fair', 'A floods (fair)', s.flood, 1),
          await floodWindow(ctx, fair, 'b-fair', 'A floods over 1,000 entities (fair)', s.flood, 1000),
          await floodWindow(ctx, fifo, 'b-fifo', 'A floods (fairness off)', s.flood, 1),
        ];
        rounds.push(round);
        ctx.log(`  round ${r + 1}: ${round.map((w) => `${w.condition} p99 ${fmt(w.p99)} ms (A left ${w.floodLeft})`).join('; ')}`);
      }
      const tenants = SMALL.map((org) => ({ org, n: s.backlog }));
      const jainFair = jain(await backlogShares(ctx, fair, 'b-fair', tenants));
      const jainFifo = jain(await backlogShares(ctx, fifo, 'b-fifo', tenants));
      await fair.call('setWeight', { org: 'org-heavy', weight: 3 });
      const [light, heavy] = await backlogShares(ctx, fair, 'b-fair', [
        { org: 'org-light', n: s.weighted },
        { org: 'org-heavy', n: s.weighted },
      ]);
      await fair.call('resetWeight', { org: 'org-heavy' });
      ctx.log(`  Jain ${fmt(jainFair)} (fairness off ${fmt(jainFifo)}); weights 3:1 -> ${heavy}:${light}`);
      // A B B A, so that neither mode always runs first.
      const a1 = await alone(ctx, fair, 'b-fair');
      const b1 = await alone(ctx, fifo, 'b-fifo');
      const b2 = await alone(ctx, fifo, 'b-fifo');
      const a2 = await alone(ctx, fair, 'b-fair');
      const mean = (x: { enqueuePerS: number; drainPerS: number }, y: typeof x) => ({
        enqueuePerS: (x.enqueuePerS + y.enqueuePerS) / 2,
        drainPerS: (x.drainPerS + y.drainPerS) / 2,
      });
      const aloneFair = mean(a1, a2);
      const aloneFifo = mean(b1, b2);
      ctx.log(
        `  A alone: enqueue ${fmt(aloneFair.enqueuePerS)} vs ${fmt(aloneFifo.enqueuePerS)} jobs/s, drain ${fmt(aloneFair.drainPerS)} vs ${fmt(aloneFifo.drainPerS)} jobs/s`,
      );
      const ai = await aiCap(ctx, fair, 'b-fair');
      ctx.log(
        `  AI cap ${ai.cap}/${ai.windowMs} ms: most in a window ${ai.maxInWindow}; others p99 ${fmt(ai.othersP99)} vs ${fmt(ai.othersP99Absent)} ms`,
      );
      return {
        flood: s.flood,
        windowS: s.windowS,
        jobMs: JOB_MS,
        concurrency: CONCURRENCY,
        rounds,
        jainFair,
        jainFifo,
        weighted: { heavy, light, ratio: heavy / light },
        alone: { jobs: s.alone, fair: aloneFair, fifo: aloneFifo },
        ai,
      };
    } finally {
      await fair.stop();
      await fifo.stop();
    }
  },
  headline(r) {
    const p99 = (c: string) => med(r.rounds.map((round) => round.find((w) => w.condition === c)!.p99));
    const absent = p99('A absent');
    const floodRatio = p99('A floods (fair)') / absent;
    const spreadRatio = p99('A floods over 1,000 entities (fair)') / absent;
    const enq = r.alone.fair.enqueuePerS / r.alone.fifo.enqueuePerS;
    const drain = r.alone.fair.drainPerS / r.alone.fifo.drainPerS;
    return [
      {
        figure: `B..K wait p99 with A flooding ${r.flood.toLocaleString('en')} ÷ A absent (fair)`,
        value: `${fmt(floodRatio)} (${fmt(p99('A floods (fair)'))} / ${fmt(absent)} ms; fairness off ${fmt(p99('A floods (fairness off)'))} ms)`,
        target: '≤ 1.5',
        verdict: verdict(floodRatio <= 1.5),
      },
      { figure: 'same, A spreading over 1,000 entity ids', value: fmt(spreadRatio), target: '≤ 1.5', verdict: verdict(spreadRatio <= 1.5) },
      {
        figure: "Jain's index, 10 tenants backlogged, equal weights",
        value: `${fmt(r.jainFair)} (fairness off ${fmt(r.jainFifo)})`,
        target: '≥ 0.95',
        verdict: verdict(r.jainFair >= 0.95),
      },
      {
        figure: 'weights 3:1, share of throughput',
        value: `${fmt(r.weighted.ratio)} : 1`,
        target: '3 ± 0.3',
        verdict: verdict(Math.abs(r.weighted.ratio - 3) <= 0.3),
      },
      {
        figure: 'A alone, fair ÷ fairness off: enqueue / drain jobs/s',
        value: `${fmt(enq)} / ${fmt(drain)}`,
        target: '≥ 0.95',
        verdict: verdict(enq >= 0.95 && drain >= 0.95),
      },
      {
        figure: `A capped at ${r.ai.cap} AI starts per ${r.ai.windowMs / 1000} s: most in any window; others' p99 with A ÷ without`,
        value: `${r.ai.maxInWindow}; ${fmt(r.ai.othersP99 / r.ai.othersP99Absent)} (${fmt(r.ai.othersP99)} / ${fmt(r.ai.othersP99Absent)} ms)`,
        target: `≤ ${r.ai.cap}; ≤ 1.5`,
        verdict: verdict(r.ai.maxInWindow <= r.ai.cap && r.ai.othersP99 / r.ai.othersP99Absent <= 1.5),
      },
    ];
  },
  render(r) {
    const conditions = r.rounds[0].map((w) => w.condition);
    const row = (c: string) => {
      const ws = r.rounds.map((round) => round.find((w) => w.condition === c)!);
      return `| ${c} | ${ws.map((w) => fmt(w.p50)).join(', ')} | ${ws.map((w) => fmt(w.p99)).join(', ')} | ${ws.map((w) => fmt(w.max)).join(', ')} | ${ws.map((w) => w.floodLeft).join(', ')} |`;
    };
    return [
      `Producer: the application (\`APP_ROLE=api\`, production mode) enqueuing through \`JobsService\` as every producer does (validated, sealed, placed by the fair order), once with \`FAIRNESS_ENABLED=true\` and once \`false\`, on queues of their own. Consumer: a BullMQ worker in the benchmark process, concurrency ${r.concurrency}, each indexing job costing ${r.jobMs} ms (a stand-in for an index write). Wait = from just before the enqueue (producer process) to the job's start (consumer process), sub-millisecond clocks.`,
      '',
      `**Flood.** Tenant A enqueues ${r.flood.toLocaleString('en')} indexing jobs at once (consumer stopped meanwhile), then the consumer starts and tenants B..K send 5 jobs/s each for ${r.windowS} s. Per round (${r.rounds.length}: this benchmark runs at most 2, whatever BENCH_ROUNDS, to stay near 6 minutes; the ratios in the summary are of the medians over rounds). p99 is the 5th-longest of ${r.rounds[0][0].jobs} waits: one scheduling hiccup of the shared machine moves it, in any condition, A absent included.`,
      '',
      '| condition | B..K wait p50 ms | p99 ms | max ms | A jobs left at the end |',
      '|---|---:|---:|---:|---:|',
      ...conditions.map(row),
      '',
      `**Shares.** Ten tenants with the same backlog each, enqueued one after the other: Jain's index of their shares of the first half taken **${fmt(r.jainFair)}** (fairness off: ${fmt(r.jainFifo)}). Weights 3 and 1, same backlogs: **${r.weighted.heavy} : ${r.weighted.light}** (${fmt(r.weighted.ratio)} : 1).`,
      '',
      `**A alone** (${r.alone.jobs.toLocaleString('en')} jobs over 1,000 entity ids, each mode twice in the order fair, off, off, fair, means): enqueue ${fmt(r.alone.fair.enqueuePerS)} jobs/s fair against ${fmt(r.alone.fifo.enqueuePerS)} with fairness off; a no-op consumer drains ${fmt(r.alone.fair.drainPerS)} against ${fmt(r.alone.fifo.drainPerS)} jobs/s.`,
      '',
      `**AI starts cap.** A capped at ${r.ai.cap} starts per ${r.ai.windowMs / 1000} s window (the application's worker class, \`tenantCappedWorkerClass\`, with the window shortened from 60 s so that the run lasts 2.5 windows), ${r.ai.cap * 6} AI jobs waiting, 20 ms each; B..D (same cap) send ${r.ai.othersPerSecond} job/s each, half their cap: A started ${r.ai.aStarted} jobs, at most **${r.ai.maxInWindow}** in any window; B..D's wait p99 ${fmt(r.ai.othersP99)} ms, against ${fmt(r.ai.othersP99Absent)} ms with A absent.`,
    ].join('\n');
  },
};
