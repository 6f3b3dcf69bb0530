import { performance } from 'node:perf_hooks';
import { Benchmark, verdict } from './lib/bench';
import { emailPayload } from './lib/env';
import { benchSealer } from './lib/sealer';
import { fmt, fmtSummary, percentile, summarize } from './lib/stats';

const TARGET_P50_US = 5;
const PAYLOAD_BYTES = 1024;
/** `stringify`: JSON.stringify of the same payload, which BullMQ does for every job anyway: a yardstick of the machine's speed. */
const OPS = ['seal', 'open', 'stringify'] as const;
type Op = (typeof OPS)[number];

export interface SealResult {
  payloadBytes: number;
  opsPerRound: number;
  /** Per round: p50 and p99 of single operations (wall clock), and CPU time per operation, µs. */
  rounds: Record<Op, { p50: number; p99: number; cpu: number }[]>;
}

/** A `send-email` payload padded to 1 KB of JSON, as a report summary or a template context would fill it. */
function payloadOf1Kb(i: number) {
  const p = emailPayload('org-bench-seal', i);
  const bytes = Buffer.byteLength(JSON.stringify(p));
  return { ...p, context: { ...p.context, note: 'x'.repeat(Math.max(0, PAYLOAD_BYTES - bytes - 10)) } };
}

/**
 * What sealing adds per job: PayloadSealer.seal (JSON, AES-256-GCM, base64; the enqueue side) and
 * open (the worker side) of a 1 KB payload, one at a time with the tenant's data key cached, as on
 * every job after a tenant's first. Each operation is timed alone (performance.now), so the p50 is
 * per job, not an average over a batch.
 */
export const sealBench: Benchmark<SealResult> = {
  name: 'seal',
  title: '7. Payload sealing (per job, 1 KB)',
  async run(ctx) {
    const { sealer, close } = benchSealer(ctx.servers);
    try {
      const opsPerRound = ctx.quick ? 20_000 : 100_000;
      const payloads = Array.from({ length: 1000 }, (_, i) => payloadOf1Kb(i));
      const sealedOnes = await Promise.all(payloads.map((p) => sealer.seal(p)));
      const rounds: SealResult['rounds'] = { seal: [], open: [], stringify: [] };
      const time = async (op: Op) => {
        const samples = new Float64Array(opsPerRound);
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < opsPerRound; i++) {
          const t0 = performance.now();
          if (op === 'seal') await sealer.seal(payloads[i % payloads.length]);
          else if (op === 'open') await sealer.open(sealedOnes[i % sealedOnes.length]);
          else JSON.stringify(payloads[i % payloads.length]);
          samples[i] = (performance.now() - t0) * 1000;
        }
        const { user, system } = process.cpuUsage(cpu0);
        const values = Array.from(samples);
        // CPU time is what the operation costs whatever else the machine runs; wall time includes waiting for a core.
        return { p50: percentile(values, 50), p99: percentile(values, 99), cpu: (user + system) / opsPerRound };
      };
      for (const op of OPS) await time(op); // warm-up: JIT, the key cache
      for (let r = 0; r < ctx.rounds; r++) {
        for (const op of OPS) rounds[op].push(await time(op));
        ctx.log(
          `  round ${r + 1}: ${OPS.map((op) => `${op} p50 ${fmt(rounds[op][r].p50)} µs p99 ${fmt(rounds[op][r].p99)} µs cpu ${fmt(rounds[op][r].cpu)} µs/op`).join(', ')}`,
        );
      }
      return { payloadBytes: Buffer.byteLength(JSON.stringify(payloads[0])), opsPerRound, rounds };
    } finally {
      await close();
    }
  },
  headline(result) {
    const seal = summarize(result.rounds.seal.map((r) => r.p50));
    return [
      {
        figure: `seal() per job, ${result.payloadBytes}-byte payload, p50 µs`,
        value: fmtSummary(seal),
        target: `≤ ${TARGET_P50_US}`,
        verdict: verdict(seal.median <= TARGET_P50_US),
      },
    ];
  },
  render(result) {
    const col = (op: Op, f: 'p50' | 'p99' | 'cpu') => fmtSummary(summarize(result.rounds[op].map((r) => r[f])));
    const row = (op: Op) => `| \`${op}()\` | ${col(op, 'p50')} | ${col(op, 'p99')} | ${col(op, 'cpu')} |`;
    return [
      `\`PayloadSealer\` in process, ${result.payloadBytes}-byte \`send-email\` payloads, the tenant's data key cached; ${result.opsPerRound.toLocaleString('en-US')} single operations per round, each timed alone.`,
      '',
      '| operation | p50 µs | p99 µs | CPU µs per operation |',
      '|---|---:|---:|---:|',
      row('seal'),
      row('open'),
      row('stringify'),
      '',
      `Target: ≤ ${TARGET_P50_US} µs added per job at p50 (issue #19). \`seal\` runs in \`JobsService.enqueue\`; \`open\` in the worker before the processor (and the worker seals the job's result, usually far smaller). \`stringify\` (JSON.stringify of the same payload, which BullMQ does for every job anyway) is a yardstick of the machine: on a loaded machine every row grows alike.`,
    ].join('\n');
  },
};
