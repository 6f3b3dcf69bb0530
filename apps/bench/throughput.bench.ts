import { Queue } from 'bullmq';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMAIL_QUEUE } from '../backend/src/modules/jobs/queues/email.queue';
import { bullDefaultJobOptions } from '../backend/src/modules/jobs/queues/queue-definition';
import { queuePrefix } from '../backend/src/modules/jobs/queues/queue-prefix';
import { Benchmark, BenchContext, Headline, rotated, sleep, until, verdict } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { benchSealer } from './lib/sealer';
import { fmt, fmtSummary, pairedRatios, summarize } from './lib/stats';
import { categorize } from './lib/profile-categories';
import { lineChart } from './lib/svg';

export const SYSTEMS = ['ours', 'bullmq', 'pgboss', 'graphile', 'graphile-default'] as const;
/** Diagnostic, run at one point only: `ours-noval`, our pipeline without the payload check. */
const DIAGNOSTICS = ['ours-noval'] as const;
export type System = (typeof SYSTEMS)[number] | (typeof DIAGNOSTICS)[number];
const PEERS = ['pgboss', 'graphile', 'graphile-default'] as const;
const LABEL: Record<System, string> = {
  ours: 'Ethico (Nest + BullMQ)',
  bullmq: 'raw BullMQ',
  pgboss: 'pg-boss (batched)',
  graphile: 'graphile-worker (batched)',
  'graphile-default': 'graphile-worker (defaults)',
  'ours-noval': 'Ethico without payload validation',
};
const DIAGNOSTIC_POINT = { processes: 1, concurrency: 10 };

interface Point {
  processes: number;
  concurrency: number;
  systems?: System[];
  /** jobs/s per round, per system, rounds in the order run. */
  rates: Record<System, number[]>;
  /** Worker processes' CPU time per job (µs), per round: steadier than rates on a busy machine. */
  cpuPerJob: Record<System, number[]>;
  jobs: Record<System, number>;
  /** Main-thread time per job by category (µs), from CPU profiles of one extra run each (diagnostic point only). */
  profile?: Partial<Record<System, Record<string, number>>>;
}

export interface ThroughputResult {
  systems: System[];
  points: Point[];
}

const PG_QUEUE = 'bench-noop';
const ORG = 'org-bench';

/** Fills a system's backlog with `n` jobs without letting its workers start on them. */
interface Producer {
  fill(n: number): Promise<void>;
  /** Lets the workers take jobs (BullMQ: resume the queue; the PostgreSQL peers: start working). */
  go(children: BenchChild[]): Promise<void>;
  halt(children: BenchChild[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * `sealed`: payloads sealed as JobsService.enqueue stores them (ours), so our workers open each one,
 * under the queue's hash-tagged prefix as ours keys it; raw BullMQ keeps its plain prefix.
 */
function bullProducer(ctx: BenchContext, namespace: string, sealed = false): Producer {
  const prefix = sealed ? queuePrefix(namespace, 'email') : namespace;
  const sealing = sealed ? benchSealer(ctx.servers) : undefined;
  const queue = new Queue('email', {
    connection: { ...ctx.servers.redis, maxRetriesPerRequest: null },
    prefix,
    // The same job options for ours and raw BullMQ: the email queue's (attempts, backoff, priority, retention).
    defaultJobOptions: bullDefaultJobOptions(EMAIL_QUEUE),
  });
  return {
    fill: async (n) => {
      await queue.pause();
      for (let i = 0; i < n; i += 1000) {
        const payloads = Array.from({ length: Math.min(1000, n - i) }, (_, j) => emailPayload(ORG, i + j));
        const data = sealing ? await Promise.all(payloads.map((p) => sealing.sealer.seal(p))) : payloads;
        await queue.addBulk(data.map((d) => ({ name: 'send-email', data: d })));
      }
    },
    go: () => queue.resume(),
    halt: () => queue.pause(),
    close: async () => {
      await queue.close();
      await sealing?.close();
    },
  };
}

async function pgbossProducer(ctx: BenchContext): Promise<Producer> {
  const { PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: ctx.servers.databaseUrl, schema: 'pgboss_bench', supervise: false, schedule: false });
  boss.on('error', (err: Error) => ctx.log(`pg-boss producer: ${err.message}`));
  await boss.start();
  if (!(await boss.getQueue(PG_QUEUE))) await boss.createQueue(PG_QUEUE);
  return {
    fill: async (n) => {
      // Completed rows from earlier rounds would make later rounds slower: start each round empty.
      await boss.deleteAllJobs(PG_QUEUE);
      for (let i = 0; i < n; i += 1000) {
        await boss.insert(
          PG_QUEUE,
          Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ data: emailPayload(ORG, i + j) })),
        );
      }
    },
    go: async (children) => void (await Promise.all(children.map((c) => c.call('start')))),
    halt: async (children) => void (await Promise.all(children.map((c) => c.call('stop')))),
    close: () => boss.stop({ graceful: false }),
  };
}

async function graphileProducer(ctx: BenchContext): Promise<Producer> {
  const { makeWorkerUtils } = await import('graphile-worker');
  const utils = await makeWorkerUtils({ connectionString: ctx.servers.databaseUrl });
  await utils.migrate();
  return {
    fill: async (n) => {
      for (let i = 0; i < n; i += 1000) {
        await utils.addJobs(
          Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ identifier: 'noop', payload: emailPayload(ORG, i + j) })),
        );
      }
    },
    go: async (children) => void (await Promise.all(children.map((c) => c.call('start')))),
    halt: async (children) => void (await Promise.all(children.map((c) => c.call('stop')))),
    close: async () => utils.release(),
  };
}

interface Counter {
  count: number;
  first: number;
  last: number;
  cpuUs: number;
}

interface Measurement {
  rate: number;
  cpuPerJobUs: number;
}

/** Runs `n` jobs through one system; the rate is jobs handled between the first and the last one. */
async function measure(producer: Producer, children: BenchChild[], n: number): Promise<Measurement> {
  await Promise.all(children.map((c) => c.call('reset')));
  await producer.fill(n);
  await producer.go(children);
  const stats = await until(
    async () => {
      const all = await Promise.all(children.map((c) => c.call<Counter>('stats')));
      return all.reduce((s, c) => s + c.count, 0) >= n ? all : undefined;
    },
    180_000,
    `${n} jobs handled`,
    25,
  );
  await producer.halt(children);
  const active = stats.filter((s) => s.count > 0);
  const first = Math.min(...active.map((s) => s.first));
  const last = Math.max(...active.map((s) => s.last));
  const handled = stats.reduce((s, c) => s + c.count, 0);
  // CPU from reset to the last job includes filling-time idle wake-ups; small next to the work itself.
  const cpu = stats.reduce((s, c) => s + c.cpuUs, 0);
  return { rate: (handled - 1) / ((last - first) / 1000), cpuPerJobUs: cpu / handled };
}

const PRODUCERS: Record<System, (ctx: BenchContext) => Producer | Promise<Producer>> = {
  ours: (ctx) => bullProducer(ctx, PREFIX.ours, true),
  bullmq: (ctx) => bullProducer(ctx, PREFIX.bullmq),
  'ours-noval': (ctx) => bullProducer(ctx, PREFIX['ours-noval'], true),
  pgboss: pgbossProducer,
  graphile: graphileProducer,
  // Same schema and task as the batched configuration: only one of the two runs at a time.
  'graphile-default': graphileProducer,
};
const PREFIX = { ours: 'b-ours', bullmq: 'b-raw', 'ours-noval': 'b-noval' } as Record<System, string>;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * One round's runs. Ours and raw BullMQ, the pair the target compares, run as A B B A (which one is
 * A alternates by round), and each one's round figure is the mean of its two runs: the machine's
 * speed drifts within seconds, and this way a drift weighs on both alike. The other systems run once
 * each, rotating around that block from round to round.
 */
export function roundPlan(systems: readonly System[], round: number): System[] {
  const paired = systems.includes('ours') && systems.includes('bullmq');
  const pair: System[] = paired ? (round % 2 ? ['bullmq', 'ours'] : ['ours', 'bullmq']) : [];
  const units: System[][] = [
    ...(paired ? [[...pair, ...[...pair].reverse()]] : []),
    ...systems.filter((s) => !pair.includes(s)).map((s) => [s]),
  ];
  return rotated(units, round).flat();
}

async function runPoint(ctx: BenchContext, systems: System[], processes: number, concurrency: number): Promise<Point> {
  const targetS = ctx.quick ? 0.8 : 2;
  const producers = {} as Record<System, Producer>;
  for (const s of systems) producers[s] = await PRODUCERS[s](ctx);
  const children = {} as Record<System, BenchChild[]>;
  try {
    for (const system of systems) {
      const env = appEnv(ctx.servers, {
        KIND: system,
        CONCURRENCY: String(concurrency),
        QUEUE_PREFIX: PREFIX[system] ?? 'b-unused',
      });
      children[system] = await Promise.all(
        Array.from({ length: processes }, (_, i) => BenchChild.start('consumer.main.ts', env, { name: `${system}#${i}` })),
      );
    }
    // Warm-up: JIT, connection pools and PostgreSQL caches; also sizes each system's runs.
    const jobs = {} as Record<System, number>;
    for (const system of systems) {
      const { rate } = await measure(producers[system], children[system], ctx.quick ? 300 : 1000);
      jobs[system] = Math.round(Math.min(20_000, Math.max(ctx.quick ? 200 : 500, rate * targetS)));
      ctx.log(`  warm-up ${system} p=${processes} c=${concurrency}: ${fmt(rate)} jobs/s -> ${jobs[system]} jobs per round`);
    }
    // A second, full-size warm-up run each, not recorded: the first recorded round was otherwise
    // still warming up (most for the system with the most code to compile, ours).
    for (const system of systems) await measure(producers[system], children[system], jobs[system]);
    const empty = () => Object.fromEntries(systems.map((s) => [s, [] as number[]])) as unknown as Record<System, number[]>;
    const rates = empty();
    const cpuPerJob = empty();
    for (let r = 0; r < ctx.rounds; r++) {
      const runs = new Map<System, { rate: number; cpuPerJobUs: number }[]>();
      for (const system of roundPlan(systems, r)) {
        const m = await measure(producers[system], children[system], jobs[system]);
        runs.set(system, [...(runs.get(system) ?? []), m]);
        await sleep(200);
      }
      for (const [system, ms] of runs) {
        rates[system].push(mean(ms.map((m) => m.rate)));
        cpuPerJob[system].push(mean(ms.map((m) => m.cpuPerJobUs)));
      }
      ctx.log(`  round ${r + 1}: ${systems.map((s) => `${s} ${fmt(rates[s][r])}/s ${fmt(cpuPerJob[s][r])}µs`).join(', ')}`);
    }
    let profile: Point['profile'];
    if (systems.includes('ours-noval')) {
      // One more run each of ours and raw BullMQ under the CPU profiler: where our extra time per job goes.
      profile = {};
      const dir = mkdtempSync(join(tmpdir(), 'ethico-bench-prof-'));
      for (const system of ['ours', 'bullmq'] as const) {
        const file = join(dir, `${system}.cpuprofile`);
        await Promise.all(children[system].map((c) => c.call('profileStart')));
        await measure(producers[system], children[system], jobs[system]);
        await Promise.all(children[system].map((c, i) => c.call('profileStop', { file: i === 0 ? file : `${file}.${i}` })));
        profile[system] = categorize(file, jobs[system] / processes);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    return { processes, concurrency, systems, rates, cpuPerJob, jobs, profile };
  } finally {
    await Promise.all(
      Object.values(children)
        .flat()
        .map((c) => c.stop()),
    );
    await Promise.all(Object.values(producers).map((p) => p.close().catch(() => undefined)));
  }
}

const METHOD = [
  'What runs, per system, for each point (processes × concurrency per process), on the same private Redis or PostgreSQL:',
  '',
  "- **Ethico**: the real worker role (`startApp` with `APP_ROLE=worker`, production mode and log level) with the email queue consumed by a benchmark processor module passed through `extras.workers`: `WorkersModule.forQueues(['email'], { processors: [NoopEmailProcessor] })`. The processor is the email processor with the delivery taken out: Nest's `WorkerHost` on the worker class the app installs (a BullMQ Worker that opens each sealed payload in memory, seals the result and reports rate-limit hits; the producer adds payloads sealed, as `JobsService.enqueue` does), the registry's payload validation (`payloadOf`), the dead-letter listener (`WorkerFailuresListener`), the metrics listener (`JobEventsListener`, wait and processing histograms) and the rest of the worker role are all there; only the SMTP call is not. No real job type fits: every one does I/O (SMTP, PostgreSQL, an AI provider). Jobs carry a valid `send-email` payload (the `case-assigned` template with its context) and the email queue's default job options (3 attempts, exponential backoff, priority 2, keep the last 500 completed).",
  "- **raw BullMQ**: a plain `new Worker('email', async () => {}, { concurrency })`, and the same jobs with the same job options added under another prefix: the difference to Ethico is what our layer costs.",
  '- **pg-boss 12 (batched)**: `boss.work(queue, { batchSize: max(concurrency, 10), burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 })`, jobs added with `insert`. pg-boss fetches in batches and waits for its polling interval (default 2 s) after a short fetch; batches with bursting are its documented way to go fast, and with its defaults (1 job per fetch, 2 s polling) a no-op benchmark would only measure the polling interval, so no default configuration is shown. At concurrency ≥ 10 the batch is handled with `Promise.all` (`concurrency` jobs in flight); at concurrency 1 a batch of 10 is handled one job after the other. Completed rows are deleted before each run.',
  '- **graphile-worker 0.18 (batched)**: `run({ concurrency, taskList })` with its batching features on (`localQueue.size = max(concurrency, 10)`, `completeJobBatchDelay: 0`): jobs are locked and completed in batches, so even at concurrency 1 it makes one database round trip per 10 jobs. **(defaults)**: the same without those two options, one fetch and one completion per job. Jobs added with `addJobs`.',
  '',
  "Each run fills the backlog first (BullMQ: into a paused queue, then `resume()`; the PostgreSQL peers: before their workers start), then counts handled jobs in the worker processes: the rate is jobs handled between the first and the last one, so startup, filling and the tail are not counted. A warm-up run per system sizes the runs (about 2 s each, 500–20,000 jobs), and a second one of that size, not recorded, finishes the warm-up. Redis and the worker share the machine's 2 cores, so CPU a worker spends per job is taken from Redis too.",
];

export const throughputBench: Benchmark<ThroughputResult> = {
  name: 'throughput',
  title: '1. Job throughput (no-op jobs)',
  async run(ctx) {
    // BENCH_GRID=1x10,2x10 and BENCH_SYSTEMS=ours,bullmq narrow a run while investigating.
    const grid = (process.env.BENCH_GRID ?? '1x1,1x10,1x50,1x100,2x10').split(',').map((g) => {
      const [processes, concurrency] = g.split('x').map(Number);
      return { processes, concurrency };
    });
    const systems = (process.env.BENCH_SYSTEMS?.split(',') as System[] | undefined) ?? [...SYSTEMS];
    const points: Point[] = [];
    for (const g of grid) {
      ctx.log(`throughput: ${g.processes} process(es), concurrency ${g.concurrency}`);
      const diagnostic =
        g.processes === DIAGNOSTIC_POINT.processes && g.concurrency === DIAGNOSTIC_POINT.concurrency && systems.includes('ours');
      points.push(await runPoint(ctx, diagnostic ? [...systems, ...DIAGNOSTICS] : systems, g.processes, g.concurrency));
    }
    return { systems, points };
  },
  headline(result) {
    const out: Headline[] = [];
    for (const p of result.points) {
      const where = `${p.processes} process${p.processes > 1 ? 'es' : ''} × concurrency ${p.concurrency}`;
      if (result.systems.includes('bullmq')) {
        const raw = summarize(pairedRatios(p.rates.ours, p.rates.bullmq));
        out.push({
          figure: `Throughput ÷ raw BullMQ, ${where}`,
          value: fmtSummary(raw),
          target: '≥ 0.9',
          verdict: verdict(raw.median >= 0.9),
        });
      }
      const peers = PEERS.filter((s) => result.systems.includes(s));
      if (peers.length) {
        const best = p.rates.ours.map((_, i) => Math.max(...peers.map((s) => p.rates[s][i])));
        const vs = summarize(pairedRatios(p.rates.ours, best));
        out.push({
          figure: `Throughput ÷ fastest peer of the round (pg-boss, graphile-worker batched or default), ${where}`,
          value: fmtSummary(vs),
          target: '> 1',
          verdict: verdict(vs.median > 1),
        });
      }
    }
    return out;
  },
  render(result, charts) {
    const systems = result.systems;
    const has = (s: System) => systems.includes(s);
    const refs = (['bullmq', ...PEERS] as const).filter(has);
    const ratio = (p: Point, ref: System) => summarize(pairedRatios(p.rates.ours, p.rates[ref]));
    const pass = (p: Point) => refs.every((ref) => (ref === 'bullmq' ? ratio(p, ref).median >= 0.9 : true)) && peerPass(p);
    const peerPass = (p: Point) => {
      const peers = PEERS.filter(has);
      if (!peers.length) return true;
      const best = p.rates.ours.map((_, i) => Math.max(...peers.map((s) => p.rates[s][i])));
      return summarize(pairedRatios(p.rates.ours, best)).median > 1;
    };
    const head = (cols: string[]) => [
      `| processes | concurrency | ${cols.join(' | ')} |`,
      `|---:|---:|${cols.map(() => '---:').join('|')}|`,
    ];
    const lines = [
      ...METHOD,
      '',
      '**Jobs per second** (median, min–max over rounds):',
      '',
      ...head([...systems.map((s) => LABEL[s]), 'target']),
      ...result.points.map(
        (p) =>
          `| ${p.processes} | ${p.concurrency} | ${systems.map((s) => fmtSummary(summarize(p.rates[s]))).join(' | ')} | ${pass(p) ? 'pass' : '**miss**'} |`,
      ),
      '',
      '**Ratios**, ours ÷ each reference, per round (the systems ran back to back within a round; ours and raw BullMQ twice each, as A B B A, their round figure the mean of the two), then median (min–max). Target: ≥ 0.9 against raw BullMQ, and above 1 against the fastest peer configuration of each round.',
      '',
      ...head(refs.map((r) => `ours ÷ ${LABEL[r]}`)),
      ...result.points.map(
        (p) =>
          `| ${p.processes} | ${p.concurrency} | ${refs.map((r) => (r === 'bullmq' ? `**${fmtSummary(ratio(p, r))}**` : fmtSummary(ratio(p, r)))).join(' | ')} |`,
      ),
      '',
      '**Worker CPU per job**, µs (median over rounds): CPU time of the worker process(es), all threads, per job handled. It leaves out the Redis and PostgreSQL servers, and is steadier than the rates on a busy machine.',
      '',
      ...head(systems.map((s) => LABEL[s])),
      ...result.points.map(
        (p) => `| ${p.processes} | ${p.concurrency} | ${systems.map((s) => fmt(summarize(p.cpuPerJob?.[s] ?? []).median)).join(' | ')} |`,
      ),
      '',
    ];
    const diag = result.points.find((p) => p.systems?.includes('ours-noval'));
    if (diag) {
      const without = (system: 'ours-noval', what: string) =>
        `- ${what}: ${fmtSummary(summarize(diag.rates[system]))} jobs/s, ${fmtSummary(summarize(pairedRatios(diag.rates[system], diag.rates.bullmq)))} × raw BullMQ, ${fmt(summarize(diag.cpuPerJob[system]).median)} µs worker CPU per job.`;
      lines.push(
        `**Diagnostics** (${diag.processes} process, concurrency ${diag.concurrency}, in the same rounds). With everything on: ${fmtSummary(summarize(diag.rates.ours))} jobs/s, ${fmtSummary(ratio(diag, 'bullmq'))} × raw BullMQ, ${fmt(summarize(diag.cpuPerJob.ours).median)} µs worker CPU per job (raw BullMQ: ${fmt(summarize(diag.cpuPerJob.bullmq).median)} µs). Then one part switched off at a time:`,
        '',
        without('ours-noval', "without the payload check (`payloadOf`: zod, the registry's worker-side schema)"),
        '',
        'No AsyncLocalStorage is active in a worker process: on Node 20 an active one runs a hook for every promise in the process (BullMQ makes about 37 per job), so jobs get their log fields and correlation id from the job itself (`jobLogFields(job)`, `causedBy: job`).',
        '',
      );
      const prof = diag.profile;
      if (prof?.ours && prof.bullmq) {
        const cats = Object.keys(prof.ours).filter((c) => c !== 'idle' && c !== 'profiler');
        const total = (p: Record<string, number>) => cats.reduce((a, c) => a + (p[c] ?? 0), 0);
        lines.push(
          `**Where the time goes** (same point, one more run of each under the V8 CPU profiler; main-thread self time per job, µs; profiling slows both down, so read the differences):`,
          '',
          '| category | Ethico | raw BullMQ | difference |',
          '|---|---:|---:|---:|',
          ...cats.map((c) => `| ${c} | ${fmt(prof.ours![c])} | ${fmt(prof.bullmq![c])} | ${fmt(prof.ours![c] - prof.bullmq![c])} |`),
          `| **total (busy)** | **${fmt(total(prof.ours))}** | **${fmt(total(prof.bullmq))}** | **${fmt(total(prof.ours) - total(prof.bullmq))}** |`,
          '',
        );
      }
    }
    const series = (points: Point[]) => systems.map((s) => ({ name: LABEL[s], values: points.map((p) => summarize(p.rates[s])) }));
    const single = result.points.filter((p) => p.processes === 1).sort((a, b) => a.concurrency - b.concurrency);
    if (single.length > 1) {
      lines.push(
        charts.save(
          'throughput-concurrency.svg',
          lineChart({
            title: 'No-op job throughput, 1 worker process',
            xLabel: 'concurrency per process',
            yLabel: 'jobs/s (median, bars: min–max)',
            xs: single.map((p) => String(p.concurrency)),
            series: series(single),
          }),
          'Throughput over concurrency',
        ),
        '',
      );
    }
    const c10 = result.points.filter((p) => p.concurrency === 10).sort((a, b) => a.processes - b.processes);
    if (c10.length > 1) {
      lines.push(
        charts.save(
          'throughput-processes.svg',
          lineChart({
            title: 'No-op job throughput, concurrency 10 per process',
            xLabel: 'worker processes',
            yLabel: 'jobs/s (median, bars: min–max)',
            xs: c10.map((p) => String(p.processes)),
            series: series(c10),
          }),
          'Throughput over worker processes',
        ),
      );
    }
    return lines.join('\n');
  },
};
