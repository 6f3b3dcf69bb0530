import { Benchmark, rotated } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { bearer, load, LoadResult } from './lib/http';
import { fmt, fmtSummary, pairedRatios, summarize } from './lib/stats';

const TARGETS = ['enqueue', 'health'] as const;
type Target = (typeof TARGETS)[number];

export interface EnqueueResult {
  connections: number;
  durationS: number;
  rounds: Record<Target, LoadResult[]>;
}

/**
 * POST /api/v1/jobs/email (JWT check, validation, one Redis add) against GET /health on the same
 * API process, saturated by autocannon with the same connections; the API role has no workers, so
 * nothing else competes for the process.
 */
export const enqueueBench: Benchmark<EnqueueResult> = {
  name: 'enqueue',
  title: '2. Enqueue path (HTTP)',
  async run(ctx) {
    const connections = 10;
    const durationS = ctx.quick ? 3 : 8;
    const app = await BenchChild.start('app.main.ts', appEnv(ctx.servers, { APP_ROLE: 'api', QUEUE_PREFIX: 'b-enq' }), { name: 'api' });
    try {
      const base = await app.call<string>('url');
      const { organizationId, ...body } = emailPayload('org-bench');
      void organizationId; // the organization comes from the token
      const requests: Record<Target, Parameters<typeof load>[0]> = {
        enqueue: {
          url: `${base}/api/v1/jobs/email`,
          method: 'POST',
          headers: { authorization: bearer('org-bench') },
          body: JSON.stringify(body),
          connections,
          durationS,
        },
        health: { url: `${base}/health`, connections, durationS },
      };
      for (const t of TARGETS) await load({ ...requests[t], durationS: 2 });
      const rounds: Record<Target, LoadResult[]> = { enqueue: [], health: [] };
      for (let r = 0; r < ctx.rounds; r++) {
        for (const t of rotated(TARGETS, r)) {
          const res = await load(requests[t]);
          if (res.non2xx || res.errors) throw new Error(`${t}: ${res.non2xx} non-2xx answers, ${res.errors} errors`);
          rounds[t].push(res);
        }
        ctx.log(
          `  round ${r + 1}: ${TARGETS.map((t) => `${t} ${fmt(rounds[t][r].requestsPerSec)} req/s p99 ${rounds[t][r].p99} ms`).join(', ')}`,
        );
      }
      return { connections, durationS, rounds };
    } finally {
      await app.stop();
    }
  },
  headline(result) {
    const e = result.rounds.enqueue;
    const ratio = summarize(
      pairedRatios(
        e.map((r) => r.requestsPerSec),
        result.rounds.health.map((r) => r.requestsPerSec),
      ),
    );
    return [
      { figure: 'POST /api/v1/jobs/email req/s', value: fmtSummary(summarize(e.map((r) => r.requestsPerSec))), target: '–', verdict: '–' },
      {
        figure: 'POST /api/v1/jobs/email p50 / p99 ms',
        value: `${fmtSummary(summarize(e.map((r) => r.p50)))} / ${fmtSummary(summarize(e.map((r) => r.p99)))}`,
        target: '–',
        verdict: '–',
      },
      { figure: 'enqueue req/s ÷ GET /health req/s', value: fmtSummary(ratio), target: '–', verdict: '–' },
    ];
  },
  render(result) {
    const pick = (t: Target, f: keyof LoadResult) => summarize(result.rounds[t].map((r) => r[f]));
    const ratio = (f: keyof LoadResult) =>
      summarize(
        pairedRatios(
          result.rounds.enqueue.map((r) => r[f]),
          result.rounds.health.map((r) => r[f]),
        ),
      );
    return [
      `autocannon, ${result.connections} connections, ${result.durationS} s per run, against one \`APP_ROLE=api\` process. Every enqueue answered 202 (a run with any other answer fails the benchmark).`,
      '',
      '| endpoint | req/s | p50 ms | p99 ms |',
      '|---|---:|---:|---:|',
      `| \`POST /api/v1/jobs/email\` | ${fmtSummary(pick('enqueue', 'requestsPerSec'))} | ${fmtSummary(pick('enqueue', 'p50'))} | ${fmtSummary(pick('enqueue', 'p99'))} |`,
      `| \`GET /health\` (reference) | ${fmtSummary(pick('health', 'requestsPerSec'))} | ${fmtSummary(pick('health', 'p50'))} | ${fmtSummary(pick('health', 'p99'))} |`,
      `| enqueue ÷ health | ${fmtSummary(ratio('requestsPerSec'))} | ${fmtSummary(ratio('p50'))} | ${fmtSummary(ratio('p99'))} |`,
      '',
      'The issue sets no target here; the ratio says what a durable enqueue (JWT verification, payload validation, one Redis round trip) costs next to the cheapest route of the same server.',
    ].join('\n');
  },
};
