import type { Job } from 'bullmq';
import { AI_QUEUE } from '../backend/src/modules/jobs/queues/ai.queue';
import { Benchmark, BenchContext, Headline, rotated, sleep, until, verdict } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { startFakeOpenAi } from './lib/fake-openai';
import { benchQueue, unfinished } from './lib/queues';
import { fmt, fmtSummary, pairedRatios, percentile, summarize } from './lib/stats';

const CONDITIONS = ['idle', 'saturated'] as const;
type Condition = (typeof CONDITIONS)[number];

interface Window {
  /** From just before each email job was added to when it became active in the app process, ms (sub-millisecond clocks). */
  waits: number[];
  p50: number;
  p99: number;
  aiActiveAtEnd?: number;
  aiWaitingAtEnd?: number;
}

/** One set-up's rounds and the jobs of its run that failed (should be none). */
interface TopologyResult {
  rounds: Record<Condition, Window[]>;
  failed: { email: number; ai: number; reasons: string[] };
}

/** The dedicated set-up's rounds at the top level; `all` holds the one-process set-up's. */
export interface AiCapacityResult extends TopologyResult {
  providerDelayMs: number;
  aiConcurrency: number;
  emailRate: number;
  windowS: number;
  all?: TopologyResult;
}

const ORG = 'org-bench-ai';
const PROVIDER_DELAY_MS = 1_000;

type Topology = 'dedicated' | 'all';

const settings = (ctx: BenchContext) => ({ windowS: ctx.quick ? 4 : 20, emailRate: 40, aiConcurrency: AI_QUEUE.worker!.concurrency ?? 5 });

/**
 * Email jobs at a steady rate, with the AI queue idle and with it saturated by summaries from a
 * provider that answers in 1 s. Emails and AI jobs have their own queues and worker concurrency,
 * so a full AI queue should not delay emails. `dedicated`: the deployment the README recommends,
 * an email worker process (WORKER_QUEUES=email) and a dedicated AI worker process
 * (WORKER_QUEUES=ai-processing). `all`: one APP_ROLE=all process running both on one event loop.
 */
async function measureTopology(ctx: BenchContext, topology: Topology): Promise<TopologyResult> {
  const { windowS, emailRate, aiConcurrency } = settings(ctx);
  const provider = await startFakeOpenAi(PROVIDER_DELAY_MS);
  const prefix = `b-ai-${topology}`;
  const env = (overrides: Record<string, string>) =>
    appEnv(ctx.servers, {
      QUEUE_PREFIX: prefix,
      AI_PROVIDERS: 'openai',
      OPENAI_BASE_URL: provider.baseUrl,
      OPENAI_API_KEY: 'bench-key',
      AI_RATE_LIMIT_MAX: '100000',
      ...overrides,
    });
  // `app` is the process that runs the email worker; in `dedicated` the AI worker is another process.
  const app = await BenchChild.start(
    'app.main.ts',
    env(topology === 'all' ? { APP_ROLE: 'all' } : { APP_ROLE: 'worker', WORKER_QUEUES: 'email' }),
    {
      name: topology === 'all' ? 'app' : 'worker-general',
    },
  );
  const aiWorker =
    topology === 'dedicated'
      ? await BenchChild.start('app.main.ts', env({ APP_ROLE: 'worker', WORKER_QUEUES: 'ai-processing' }), { name: 'worker-ai' })
      : undefined;
  const email = benchQueue(ctx.servers, 'email', prefix);
  const ai = benchQueue(ctx.servers, 'ai-processing', prefix);
  try {
    const saturate = async () => {
      // Enough 1 s jobs to keep every AI slot busy past the end of the window.
      const n = aiConcurrency * (windowS + 10);
      await ai.addBulk(
        Array.from({ length: n }, (_, i) => ({
          name: 'generate-summary',
          data: {
            organizationId: ORG,
            type: 'generate-summary',
            entityType: 'case',
            entityId: `bench-${i}`,
            content: 'A case to summarize for the benchmark.',
          },
        })) as never,
      );
      await until(async () => (await ai.getActiveCount()) >= aiConcurrency || undefined, 30_000, 'AI queue saturated', 50);
    };
    const measureWindow = async (): Promise<Window> => {
      const jobs: Job[] = [];
      const sentAt: number[] = [];
      const every = 1000 / emailRate;
      const start = Date.now();
      for (let i = 0; i < emailRate * windowS; i++) {
        sentAt.push(performance.timeOrigin + performance.now());
        jobs.push(await email.add('send-email', emailPayload(ORG, i)));
        const next = start + (i + 1) * every;
        await sleep(Math.max(0, next - Date.now()));
      }
      await until(async () => (await unfinished(email)) === 0 || undefined, 60_000, 'emails done', 100);
      const activeAt = await app.call<(number | null)[]>(
        'emailActiveAt',
        jobs.map((j) => j.id!),
      );
      const waits = jobs.map((j, i) => {
        const at = activeAt[i];
        if (at === null) throw new Error(`email job ${j.id} never became active in the app process`);
        return Math.round((at - sentAt[i]) * 1000) / 1000; // to the microsecond
      });
      return { waits, p50: percentile(waits, 50), p99: percentile(waits, 99) };
    };
    // Warm-up: the first windows after start are slower (connections, JIT) in every condition.
    await measureWindow();
    await saturate();
    await measureWindow();
    await ai.drain(true);
    await until(async () => (await unfinished(ai)) === 0 || undefined, 60_000, 'AI queue emptied', 100);
    const rounds: Record<Condition, Window[]> = { idle: [], saturated: [] };
    for (let r = 0; r < ctx.rounds; r++) {
      for (const c of rotated(CONDITIONS, r)) {
        const callsBefore = provider.calls();
        if (c === 'saturated') await saturate();
        const w = await measureWindow();
        if (c === 'saturated') {
          // The AI workers must really have been busy with provider calls the whole window.
          const calls = provider.calls() - callsBefore;
          if (calls < aiConcurrency * windowS * 0.8)
            throw new Error(`AI queue not saturated: ${calls} provider calls in a ${windowS} s window`);
          w.aiActiveAtEnd = await ai.getActiveCount();
          w.aiWaitingAtEnd = await ai.getWaitingCount();
          await ai.drain(true);
          await until(async () => (await unfinished(ai)) === 0 || undefined, 60_000, 'AI queue emptied', 100);
        }
        rounds[c].push(w);
      }
      ctx.log(
        `  ${topology} round ${r + 1}: ${CONDITIONS.map((c) => `${c} p50 ${fmt(rounds[c][r].p50)} ms p99 ${fmt(rounds[c][r].p99)} ms`).join(', ')}; AI calls so far ${provider.calls()}`,
      );
    }
    const reasons = [...(await email.getFailed(0, 2)), ...(await ai.getFailed(0, 2))].map(
      (j) => `${j.queueName}/${j.name}: ${j.failedReason}`,
    );
    const failed = { email: await email.getFailedCount(), ai: await ai.getFailedCount(), reasons };
    return { rounds, failed };
  } finally {
    await email.close();
    await ai.close();
    await aiWorker?.stop();
    await app.stop();
    await provider.close();
  }
}

export const aiCapacityBench: Benchmark<AiCapacityResult> = {
  name: 'ai-capacity',
  title: '4. Dedicated AI capacity: email waiting time with the AI queue saturated',
  async run(ctx) {
    const { windowS, emailRate, aiConcurrency } = settings(ctx);
    const dedicated = await measureTopology(ctx, 'dedicated');
    const all = await measureTopology(ctx, 'all');
    return { providerDelayMs: PROVIDER_DELAY_MS, aiConcurrency, emailRate, windowS, ...dedicated, all };
  },
  headline(result) {
    const ratio = p99Ratio(result.rounds);
    const p99 = (c: Condition) => fmtSummary(summarize(result.rounds[c].map((w) => w.p99)));
    const out: Headline[] = [
      {
        figure: 'Email wait p99, AI queue saturated ÷ idle (dedicated AI worker process)',
        value: fmtSummary(ratio),
        target: '≤ 1.2',
        verdict: verdict(ratio.median <= 1.2),
      },
      {
        figure: 'Email wait p99 ms, idle / AI saturated (dedicated AI worker process)',
        value: `${p99('idle')} / ${p99('saturated')}`,
        target: '–',
        verdict: '–',
      },
    ];
    if (result.all) {
      const all = p99Ratio(result.all.rounds);
      out.push({
        figure: 'Email wait p99, AI queue saturated ÷ idle (one APP_ROLE=all process)',
        value: fmtSummary(all),
        target: '≤ 1.2',
        verdict: verdict(all.median <= 1.2),
      });
    }
    return out;
  },
  render(result) {
    const topologies: [string, TopologyResult][] = [
      ['dedicated: email worker process + AI worker process', result],
      ...(result.all ? ([['one `APP_ROLE=all` process', result.all]] as [string, TopologyResult][]) : []),
    ];
    const row = (label: string, rounds: Record<Condition, Window[]>, c: Condition) =>
      `| ${label} | ${c} | ${fmtSummary(summarize(rounds[c].map((w) => w.p50)))} | ${fmtSummary(summarize(rounds[c].map((w) => w.p99)))} |`;
    const busy = topologies.flatMap(([, { rounds }]) => rounds.saturated);
    return [
      `Two set-ups, measured one after the other with the same load: **dedicated**, the deployment the README recommends (an \`APP_ROLE=worker WORKER_QUEUES=email\` process and a separate \`WORKER_QUEUES=ai-processing\` one: the AI queue's own workers), and **one \`APP_ROLE=all\` process** running both queues' workers on one event loop. ${result.emailRate} email jobs/s for ${result.windowS} s per window (real email processor, SMTP to a local server that accepts and discards); waiting time = from just before each job is added (the benchmark process) to its worker's \`active\` event (the worker's process), both read from \`performance.timeOrigin + performance.now()\`, sub-millisecond. Saturated: the AI queue holds more summaries than its ${result.aiConcurrency} workers can finish in the window, against a local OpenAI-compatible server answering every call in ${result.providerDelayMs} ms.`,
      '',
      '| set-up | AI queue | email wait p50 ms | email wait p99 ms |',
      '|---|---|---:|---:|',
      ...topologies.flatMap(([label, { rounds }]) => CONDITIONS.map((c) => row(label, rounds, c))),
      '',
      ...topologies.map(([label, { rounds }]) => {
        const r = p99Ratio(rounds);
        return `- ${label}: email wait p99, saturated ÷ idle **${fmtSummary(r)}**; target ≤ 1.2: **${r.median <= 1.2 ? 'pass' : 'miss'}**.`;
      }),
      `- At the end of each saturated window the AI queue still had ${Math.min(...busy.map((w) => w.aiActiveAtEnd ?? 0))}–${Math.max(...busy.map((w) => w.aiActiveAtEnd ?? 0))} active and ≥ ${Math.min(...busy.map((w) => w.aiWaitingAtEnd ?? 0))} waiting jobs.`,
      `- Failed jobs in the run: ${topologies.map(([label, { failed: f }]) => `${label}: email ${f?.email ?? 'n/a'}, AI ${f?.ai ?? 'n/a'}${f?.reasons.length ? ` (${f.reasons.join('; ')})` : ''}`).join('; ')}.`,
      '- The waits are a few milliseconds either way, so scheduling noise of a fraction of a millisecond moves the ratio noticeably: read the absolute p99s beside it.',
    ].join('\n');
  },
};

function p99Ratio(rounds: Record<Condition, Window[]>) {
  return summarize(
    pairedRatios(
      rounds.saturated.map((w) => w.p99),
      rounds.idle.map((w) => w.p99),
    ),
  );
}
