import type { Job } from 'bullmq';
import { AI_QUEUE } from '../src/modules/jobs/queues/ai.queue';
import { Benchmark, rotated, sleep, until, verdict } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { startFakeOpenAi } from './lib/fake-openai';
import { benchQueue, unfinished } from './lib/queues';
import { fmt, fmtSummary, pairedRatios, percentile, summarize } from './lib/stats';

const CONDITIONS = ['idle', 'saturated'] as const;
type Condition = (typeof CONDITIONS)[number];

interface Window {
  /** processedOn − timestamp of each email job, ms. */
  waits: number[];
  p50: number;
  p99: number;
  aiActiveAtEnd?: number;
  aiWaitingAtEnd?: number;
}

export interface AiCapacityResult {
  providerDelayMs: number;
  aiConcurrency: number;
  emailRate: number;
  windowS: number;
  rounds: Record<Condition, Window[]>;
  /** Failed jobs of the run per queue (should be none). */
  failed: { email: number; ai: number; reasons: string[] };
}

const ORG = 'org-bench-ai';
const PROVIDER_DELAY_MS = 1_000;

/**
 * Email jobs at a steady rate through one `APP_ROLE=all` process, with the AI queue idle and with it
 * saturated by summaries from a provider that answers in 1 s. Emails and AI jobs have their own
 * queues and worker concurrency, so a full AI queue should not delay emails.
 */
export const aiCapacityBench: Benchmark<AiCapacityResult> = {
  name: 'ai-capacity',
  title: '4. Dedicated AI capacity: email waiting time with the AI queue saturated',
  async run(ctx) {
    const windowS = ctx.quick ? 4 : 10;
    const emailRate = 20;
    const aiConcurrency = AI_QUEUE.worker!.concurrency ?? 5;
    const provider = await startFakeOpenAi(PROVIDER_DELAY_MS);
    const prefix = 'b-ai';
    const app = await BenchChild.start(
      'app.main.ts',
      appEnv(ctx.servers, {
        APP_ROLE: 'all',
        QUEUE_PREFIX: prefix,
        AI_PROVIDERS: 'openai',
        OPENAI_BASE_URL: provider.baseUrl,
        OPENAI_API_KEY: 'bench-key',
        AI_RATE_LIMIT_MAX: '100000',
      }),
      { name: 'app' },
    );
    const email = benchQueue(ctx.servers, 'email', prefix);
    const ai = benchQueue(ctx.servers, 'ai-processing', prefix);
    try {
      const saturate = async () => {
        // Enough 1 s jobs to keep every AI slot busy past the end of the window.
        const n = aiConcurrency * (windowS + 10);
        await ai.addBulk(
          Array.from({ length: n }, (_, i) => ({
            name: 'generate-summary',
            data: { organizationId: ORG, type: 'generate-summary', entityType: 'case', entityId: `bench-${i}`, content: 'A case to summarize for the benchmark.' },
          })) as never,
        );
        await until(async () => (await ai.getActiveCount()) >= aiConcurrency || undefined, 30_000, 'AI queue saturated', 50);
      };
      const measureWindow = async (): Promise<Window> => {
        const jobs: Job[] = [];
        const every = 1000 / emailRate;
        const start = Date.now();
        for (let i = 0; i < emailRate * windowS; i++) {
          jobs.push(await email.add('send-email', emailPayload(ORG, i)));
          const next = start + (i + 1) * every;
          await sleep(Math.max(0, next - Date.now()));
        }
        await until(async () => (await unfinished(email)) === 0 || undefined, 60_000, 'emails done', 100);
        const waits: number[] = [];
        for (const j of jobs) {
          const done = await email.getJob(j.id!);
          if (!done?.processedOn) throw new Error(`email job ${j.id} has no processedOn (removed or unprocessed)`);
          waits.push(done.processedOn - done.timestamp);
        }
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
            if (calls < aiConcurrency * windowS * 0.8) throw new Error(`AI queue not saturated: ${calls} provider calls in a ${windowS} s window`);
            w.aiActiveAtEnd = await ai.getActiveCount();
            w.aiWaitingAtEnd = await ai.getWaitingCount();
            await ai.drain(true);
            await until(async () => (await unfinished(ai)) === 0 || undefined, 60_000, 'AI queue emptied', 100);
          }
          rounds[c].push(w);
        }
        ctx.log(`  round ${r + 1}: ${CONDITIONS.map((c) => `${c} p50 ${fmt(rounds[c][r].p50)} ms p99 ${fmt(rounds[c][r].p99)} ms`).join(', ')}; AI calls so far ${provider.calls()}`);
      }
      const reasons = [...(await email.getFailed(0, 2)), ...(await ai.getFailed(0, 2))].map((j) => `${j.queueName}/${j.name}: ${j.failedReason}`);
      const failed = { email: await email.getFailedCount(), ai: await ai.getFailedCount(), reasons };
      return { providerDelayMs: PROVIDER_DELAY_MS, aiConcurrency, emailRate, windowS, rounds, failed };
    } finally {
      await email.close();
      await ai.close();
      await app.stop();
      await provider.close();
    }
  },
  headline(result) {
    const ratio = summarize(pairedRatios(result.rounds.saturated.map((w) => w.p99), result.rounds.idle.map((w) => w.p99)));
    const p99 = (c: Condition) => fmtSummary(summarize(result.rounds[c].map((w) => w.p99)));
    return [
      { figure: 'Email wait p99, AI queue saturated ÷ idle', value: fmtSummary(ratio), target: '≤ 1.2', verdict: verdict(ratio.median <= 1.2) },
      { figure: 'Email wait p99 ms, idle / AI saturated', value: `${p99('idle')} / ${p99('saturated')}`, target: '–', verdict: '–' },
    ];
  },
  render(result) {
    const s = (c: Condition, f: (w: Window) => number) => summarize(result.rounds[c].map(f));
    const ratio = summarize(pairedRatios(result.rounds.saturated.map((w) => w.p99), result.rounds.idle.map((w) => w.p99)));
    const busy = result.rounds.saturated;
    return [
      `One \`APP_ROLE=all\` process. ${result.emailRate} email jobs/s for ${result.windowS} s per window (real email processor, SMTP to a local server that accepts and discards); waiting time = \`processedOn − timestamp\` of each job. Saturated: the AI queue holds more summaries than its ${result.aiConcurrency} workers can finish in the window, against a local OpenAI-compatible server answering every call in ${result.providerDelayMs} ms.`,
      '',
      '| AI queue | email wait p50 ms | email wait p99 ms |',
      '|---|---:|---:|',
      `| idle | ${fmtSummary(s('idle', (w) => w.p50))} | ${fmtSummary(s('idle', (w) => w.p99))} |`,
      `| saturated | ${fmtSummary(s('saturated', (w) => w.p50))} | ${fmtSummary(s('saturated', (w) => w.p99))} |`,
      '',
      `- Email wait p99, saturated ÷ idle: **${fmtSummary(ratio)}**; target ≤ 1.2: **${ratio.median <= 1.2 ? 'pass' : 'miss'}**.`,
      `- At the end of each saturated window the AI queue still had ${Math.min(...busy.map((w) => w.aiActiveAtEnd ?? 0))}–${Math.max(...busy.map((w) => w.aiActiveAtEnd ?? 0))} active and ≥ ${Math.min(...busy.map((w) => w.aiWaitingAtEnd ?? 0))} waiting jobs.`,
      `- Failed jobs in the run: email ${result.failed?.email ?? 'n/a'}, AI ${result.failed?.ai ?? 'n/a'}${result.failed?.reasons.length ? ` (${result.failed.reasons.join('; ')})` : ''}.`,
      '- Waits come from BullMQ\'s millisecond timestamps (\`timestamp\`, \`processedOn\`): when both p99s are a few milliseconds, one millisecond of resolution or scheduling noise moves the ratio by 30–50 %, so read the absolute p99s beside it.',
    ].join('\n');
  },
};
