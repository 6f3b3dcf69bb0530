import { Queue } from 'bullmq';
import { EMAIL_QUEUE } from '../backend/src/modules/jobs/queues/email.queue';
import { bullDefaultJobOptions } from '../backend/src/modules/jobs/queues/queue-definition';
import { Benchmark, until, verdict } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { fmt } from './lib/stats';
import { lineChart } from './lib/svg';

interface Checkpoint {
  jobs: number;
  rssMiB: number;
  heapUsedMiB: number;
}

export interface MemoryResult {
  concurrency: number;
  checkpoints: Checkpoint[];
}

const MiB = 2 ** 20;

/**
 * One worker process (the Nest worker role with the no-op email processor of benchmark 1, at the
 * email queue's production concurrency) runs 100,000 jobs; RSS and heap are read after a full GC
 * at checkpoints. The first checkpoint (10,000 jobs) is the baseline: JIT and pools have settled.
 */
export const memoryBench: Benchmark<MemoryResult> = {
  name: 'memory',
  title: '6. Worker memory over 100,000 jobs',
  async run(ctx) {
    const scale = ctx.quick ? 10 : 1;
    const checkpoints = [10_000, 25_000, 50_000, 75_000, 100_000].map((n) => n / scale);
    const concurrency = EMAIL_QUEUE.worker!.concurrency ?? 10;
    const env = appEnv(ctx.servers, { KIND: 'ours', CONCURRENCY: String(concurrency), QUEUE_PREFIX: 'b-mem' });
    const worker = await BenchChild.start('consumer.main.ts', env, { name: 'worker', nodeArgs: ['--expose-gc'] });
    const queue = new Queue('email', {
      connection: { ...ctx.servers.redis, maxRetriesPerRequest: null },
      prefix: 'b-mem',
      defaultJobOptions: bullDefaultJobOptions(EMAIL_QUEUE),
    });
    const out: Checkpoint[] = [];
    try {
      const before = await worker.call<NodeJS.MemoryUsage>('memory');
      out.push({ jobs: 0, rssMiB: before.rss / MiB, heapUsedMiB: before.heapUsed / MiB });
      let added = 0;
      for (const target of checkpoints) {
        while (added < target) {
          const n = Math.min(5_000, target - added);
          await queue.addBulk(Array.from({ length: n }, (_, j) => ({ name: 'send-email', data: emailPayload('org-bench', added + j) })));
          added += n;
          // Keep the backlog short: a long one would sit in Redis, not in the worker.
          await until(
            async () => (await worker.call<{ count: number }>('stats')).count >= added - 2_000 || undefined,
            600_000,
            'backlog drained',
            100,
          );
        }
        await until(
          async () => (await worker.call<{ count: number }>('stats')).count >= target || undefined,
          600_000,
          `${target} jobs`,
          100,
        );
        const m = await worker.call<NodeJS.MemoryUsage>('memory');
        out.push({ jobs: target, rssMiB: m.rss / MiB, heapUsedMiB: m.heapUsed / MiB });
        ctx.log(`  after ${target} jobs: RSS ${fmt(m.rss / MiB)} MiB, heap ${fmt(m.heapUsed / MiB)} MiB`);
      }
      return { concurrency, checkpoints: out };
    } finally {
      await queue.close();
      await worker.stop();
    }
  },
  headline(result) {
    const base = result.checkpoints.find((p) => p.jobs > 0)!;
    const last = result.checkpoints[result.checkpoints.length - 1];
    const growth = (last.rssMiB - base.rssMiB) / base.rssMiB;
    return [
      {
        figure: `Worker RSS growth, ${base.jobs.toLocaleString('en-US')} → ${last.jobs.toLocaleString('en-US')} jobs`,
        value: `${fmt(growth * 100, 2)} % (${fmt(base.rssMiB)} → ${fmt(last.rssMiB)} MiB, single run)`,
        target: '< 10 %',
        verdict: verdict(growth < 0.1),
      },
    ];
  },
  render(result, charts) {
    const points = result.checkpoints;
    const base = points.find((p) => p.jobs > 0)!;
    const last = points[points.length - 1];
    const growth = (last.rssMiB - base.rssMiB) / base.rssMiB;
    const heapGrowth = (last.heapUsedMiB - base.heapUsedMiB) / base.heapUsedMiB;
    return [
      `One worker process, concurrency ${result.concurrency}, no-op email jobs through the full pipeline (as in benchmark 1); RSS and heap read after a forced GC (\`--expose-gc\`). The process runs under \`@swc-node/register\` (TypeScript compiled in-process), so its absolute RSS is higher than \`node dist/main.js\` would show; the growth is the figure.`,
      '',
      '| jobs run | RSS MiB | heap used MiB |',
      '|---:|---:|---:|',
      ...points.map((p) => `| ${p.jobs.toLocaleString('en-US')} | ${fmt(p.rssMiB)} | ${fmt(p.heapUsedMiB)} |`),
      '',
      `RSS growth from ${base.jobs.toLocaleString('en-US')} to ${last.jobs.toLocaleString('en-US')} jobs: **${fmt(growth * 100, 2)} %** (heap: ${fmt(heapGrowth * 100, 2)} %). Target < 10 %: **${growth < 0.1 ? 'pass' : 'miss'}**. A single run: memory is not a noisy ratio, and the curve shows the trend.`,
      '',
      charts.save(
        'memory.svg',
        lineChart({
          title: 'Worker memory after a forced GC',
          xLabel: 'jobs run',
          yLabel: 'MiB',
          xs: points.map((p) => p.jobs.toLocaleString('en-US')),
          series: [
            {
              name: 'RSS',
              values: points.map((p) => ({ n: 1, median: p.rssMiB, min: p.rssMiB, max: p.rssMiB, p25: p.rssMiB, p75: p.rssMiB })),
            },
            {
              name: 'heap used',
              values: points.map((p) => ({
                n: 1,
                median: p.heapUsedMiB,
                min: p.heapUsedMiB,
                max: p.heapUsedMiB,
                p25: p.heapUsedMiB,
                p75: p.heapUsedMiB,
              })),
            },
          ],
        }),
        'Worker memory over jobs run',
      ),
    ].join('\n');
  },
};
