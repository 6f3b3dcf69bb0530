import 'reflect-metadata';
import type { Benchmark, BenchContext, StoredResult } from './lib/bench';
import { machineInfo, saveResult, writeReport } from './lib/report';
import { flushRedis, startBenchServers } from './lib/servers';
import { reportHeader } from './header';
import { aiCapacityBench } from './ai-capacity.bench';
import { caseWriteBench } from './case-write.bench';
import { clusterBench } from './cluster.bench';
import { enqueueBench } from './enqueue.bench';
import { fairnessBench } from './fairness.bench';
import { memoryBench } from './memory.bench';
import { nonBlockingBench } from './nonblocking.bench';
import { searchableBench } from './searchable.bench';
import { sealBench } from './seal.bench';
import { schedulesBench } from './schedules.bench';
import { throughputBench } from './throughput.bench';

/**
 * `npm run bench`: private servers, each benchmark in turn, raw rounds to apps/bench/results/<name>.json,
 * then docs/BENCHMARKS.md from all stored results.
 *   BENCH_QUICK=1        a few-minute smoke run (fewer rounds, smaller runs)
 *   BENCH_ONLY=a,b       only these benchmarks (others keep their stored results)
 *   BENCH_ROUNDS=n       rounds per figure (default 5, quick 2)
 *   BENCH_REPORT_ONLY=1  rewrite docs/BENCHMARKS.md from stored results, measure nothing
 *   BENCH_NB_BACKLOG=n   jobs in the non-blocking benchmark's backlog (default 80,000, quick 5,000)
 */
export const BENCHMARKS: Benchmark[] = [
  throughputBench,
  enqueueBench,
  nonBlockingBench,
  aiCapacityBench,
  searchableBench,
  memoryBench,
  sealBench,
  fairnessBench,
  schedulesBench,
  caseWriteBench,
  clusterBench,
].map((b) => b as Benchmark);

async function main(): Promise<void> {
  const quick = ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 5));
  const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

  if (!process.env.BENCH_REPORT_ONLY) {
    const servers = await startBenchServers();
    log(
      `private Redis ${servers.versions.redis} on ${servers.redis.port}, PostgreSQL ${servers.versions.postgres} at ${servers.databaseUrl}`,
    );
    const ctx: BenchContext = { servers, quick, rounds, log };
    const failed: string[] = [];
    try {
      for (const bench of BENCHMARKS.filter((b) => !only.length || only.includes(b.name))) {
        await flushRedis(servers.redis);
        const machine = machineInfo(servers);
        const started = Date.now();
        log(`== ${bench.title}`);
        let result: unknown;
        try {
          result = await bench.run(ctx);
        } catch (err) {
          // One benchmark failing (a feature not there yet) must not cost the others; its stored result stays.
          failed.push(bench.name);
          log(`   FAILED: ${(err as Error).stack ?? err}`);
          continue;
        }
        const stored: StoredResult = {
          name: bench.name,
          title: bench.title,
          finishedAt: new Date().toISOString(),
          durationS: Math.round((Date.now() - started) / 1000),
          quick,
          rounds,
          machine,
          result,
        };
        saveResult(stored);
        log(`   done in ${stored.durationS} s`);
      }
    } finally {
      await servers.stop();
    }
    if (failed.length) process.exitCode = 1;
    if (failed.length) log(`failed: ${failed.join(', ')}`);
  }
  log(`wrote ${writeReport(BENCHMARKS, reportHeader)}`);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
