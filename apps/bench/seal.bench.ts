import { performance } from 'node:perf_hooks';
import { Benchmark, verdict } from './lib/bench';
import { emailPayload } from './lib/env';
import { benchSealer } from './lib/sealer';
import { fmt, fmtSummary, percentile, summarize } from './lib/stats';

const TARGET_P50_US = 5;
const PAYLOAD_BYTES = 1024;
/**
 * `seal` and `open` alone; then what a job costs to store and to load with and without sealing, as
 * BullMQ does it: `store` JSON.stringify of the payload (plain) or of seal()'s envelope (sealed),
 * `load` JSON.parse of the stored string (plain) and then open() (sealed). The differences are what
 * sealing adds per job at enqueue and in the worker.
 */
const OPS = ['seal', 'open', 'store-plain', 'store-sealed', 'load-plain', 'load-sealed'] as const;
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
      const plainStored = payloads.map((p) => JSON.stringify(p));
      const sealedStored = sealedOnes.map((p) => JSON.stringify(p));
      const rounds = Object.fromEntries(OPS.map((op) => [op, []])) as unknown as SealResult['rounds'];
      const time = async (op: Op) => {
        const samples = new Float64Array(opsPerRound);
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < opsPerRound; i++) {
          const t0 = performance.now();
          const k = i % payloads.length;
          if (op === 'seal') await sealer.seal(payloads[k]);
          else if (op === 'open') await sealer.open(sealedOnes[k]);
          else if (op === 'store-plain') JSON.stringify(payloads[k]);
          else if (op === 'store-sealed') JSON.stringify(await sealer.seal(payloads[k]));
          else if (op === 'load-plain') JSON.parse(plainStored[k]);
          else await sealer.open(JSON.parse(sealedStored[k]));
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
    const added = (sealed: Op, plain: Op) => summarize(result.rounds[sealed].map((r, i) => r.p50 - result.rounds[plain][i].p50));
    const enqueue = added('store-sealed', 'store-plain');
    const worker = added('load-sealed', 'load-plain');
    return [
      {
        figure: `Sealing added per job at enqueue (store sealed − store plain), ${result.payloadBytes}-byte payload, p50 µs`,
        value: fmtSummary(enqueue),
        target: `≤ ${TARGET_P50_US}`,
        verdict: verdict(enqueue.median <= TARGET_P50_US),
      },
      {
        figure: `Sealing added per job in the worker (load sealed − load plain), ${result.payloadBytes}-byte payload, p50 µs`,
        value: fmtSummary(worker),
        target: `≤ ${TARGET_P50_US}`,
        verdict: verdict(worker.median <= TARGET_P50_US),
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
      ...OPS.map(row),
      '',
      `Target: ≤ ${TARGET_P50_US} µs added per job at p50 (issue #19), per side: \`store-sealed\` − \`store-plain\` is what sealing adds to an enqueue (\`JobsService.enqueue\` seals, BullMQ serialises the envelope instead of the payload), \`load-sealed\` − \`load-plain\` what it adds to the worker (BullMQ parses the envelope, the worker opens it; the worker also seals the job's result, usually far smaller). On a loaded machine every row grows alike.`,
    ].join('\n');
  },
};
