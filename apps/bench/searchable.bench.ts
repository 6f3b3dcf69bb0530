import { Benchmark, sleep } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv } from './lib/env';
import { bearer } from './lib/http';
import { fmt, fmtSummary, percentile, summarize } from './lib/stats';

export interface SearchableResult {
  pollMs: number;
  /** Delay per case, ms, per round. */
  rounds: number[][];
}

const ORG = 'org-bench-search';
const POLL_MS = 10;

const word = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

/**
 * POST /api/v1/cases, then GET /api/v1/search for a word only that case contains, every 10 ms,
 * until the case is a hit: the time from sending the create to the first answer that finds it.
 */
export const searchableBench: Benchmark<SearchableResult> = {
  name: 'searchable',
  title: '5. Create-to-searchable delay for cases',
  async run(ctx) {
    const perRound = ctx.quick ? 10 : 30;
    const app = await BenchChild.start(
      'app.main.ts',
      appEnv(ctx.servers, { APP_ROLE: 'all', QUEUE_PREFIX: 'b-search', AI_PROVIDERS: 'local' }),
      { name: 'app' },
    );
    try {
      const base = await app.call<string>('url');
      const headers = { authorization: bearer(ORG), 'content-type': 'application/json' };
      const once = async (): Promise<number> => {
        const token = word();
        const started = performance.now();
        const res = await fetch(`${base}/api/v1/cases`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ title: `Benchmark ${token}`, description: 'Created by the create-to-searchable benchmark.' }),
        });
        if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
        const { id } = (await res.json()) as { id: string };
        for (;;) {
          const s = await fetch(`${base}/api/v1/search?q=${token}`, { headers });
          if (s.status !== 200) throw new Error(`search answered ${s.status}: ${await s.text()}`);
          const body = (await s.json()) as { hits: { entityId: string }[] };
          if (body.hits.some((h) => h.entityId === id)) return performance.now() - started;
          if (performance.now() - started > 30_000) throw new Error(`case ${id} not searchable after 30 s`);
          await sleep(POLL_MS);
        }
      };
      for (let i = 0; i < 3; i++) await once();
      const rounds: number[][] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const delays: number[] = [];
        for (let i = 0; i < perRound; i++) {
          delays.push(await once());
          await sleep(50);
        }
        rounds.push(delays);
        ctx.log(`  round ${r + 1}: median ${fmt(percentile(delays, 50))} ms, p95 ${fmt(percentile(delays, 95))} ms`);
      }
      return { pollMs: POLL_MS, rounds };
    } finally {
      await app.stop();
    }
  },
  headline(result) {
    return [
      {
        figure: 'Create-to-searchable median, ms',
        value: fmtSummary(summarize(result.rounds.map((d) => percentile(d, 50)))),
        target: '–',
        verdict: '–' as const,
      },
      {
        figure: 'Create-to-searchable p95, ms',
        value: fmtSummary(summarize(result.rounds.map((d) => percentile(d, 95)))),
        target: '–',
        verdict: '–' as const,
      },
    ];
  },
  render(result) {
    const all = result.rounds.flat();
    const medians = summarize(result.rounds.map((d) => percentile(d, 50)));
    const p95s = summarize(result.rounds.map((d) => percentile(d, 95)));
    return [
      `One \`APP_ROLE=all\` process. ${result.rounds[0]?.length ?? 0} cases per round, one at a time: \`POST /api/v1/cases\`, then \`GET /api/v1/search?q=<a word only that case has>\` every ${result.pollMs} ms until it is a hit. The delay runs from sending the create to the answer that finds it, so it includes the create request itself and up to ${result.pollMs} ms of polling granularity.`,
      '',
      '| | median ms | p95 ms |',
      '|---|---:|---:|',
      `| per round: median (min–max over rounds) | ${fmtSummary(medians)} | ${fmtSummary(p95s)} |`,
      `| all ${all.length} cases pooled | ${fmt(percentile(all, 50))} | ${fmt(percentile(all, 95))} |`,
      '',
      'The issue sets no target here.',
    ].join('\n');
  },
};
