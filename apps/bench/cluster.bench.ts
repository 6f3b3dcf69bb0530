import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { RawEnv } from '../backend/src/config/configuration';
import { EMAIL_QUEUE } from '../backend/src/modules/jobs/queues/email.queue';
import { bullDefaultJobOptions } from '../backend/src/modules/jobs/queues/queue-definition';
import { queuePrefix } from '../backend/src/modules/jobs/queues/queue-prefix';
import { startRedisServer } from '../backend/src/dev/embedded/redis-server';
import { startRedisCluster } from '../backend/test/harness/redis-topologies';
import { Benchmark, BenchContext, Headline, sleep, until, verdict } from './lib/bench';
import { BenchChild } from './lib/children';
import { appEnv, emailPayload } from './lib/env';
import { benchSealer } from './lib/sealer';
import { fmt, fmtSummary, pairedRatios, summarize } from './lib/stats';

const TOPOLOGIES = ['standalone', 'replicated', 'cluster', 'cluster-replicated'] as const;
type Topology = (typeof TOPOLOGIES)[number];
const CONCURRENCY = 10;
const ORG = 'org-bench';

export interface ClusterResult {
  concurrency: number;
  jobs: number;
  /** Jobs/s per round, by topology. */
  rates: Record<Topology, number[]>;
}

interface Counter {
  count: number;
  first: number;
  last: number;
}

/**
 * Ours (the worker role, no-op email processor, sealed payloads) on one Redis server, on one with a
 * replica, on a local Redis Cluster of 3 masters, and on one of 3 masters with a replica each, in the
 * same run: one worker process each at concurrency 10, the same jobs added under the queue's
 * hash-tagged prefix. Runs go A B C D D C B A. Cluster is compared with one server at equal
 * replication (none, or a replica each).
 */
export const clusterBench: Benchmark<ClusterResult> = {
  name: 'cluster',
  title: '11. Throughput on Redis Cluster against one server',
  async run(ctx: BenchContext): Promise<ClusterResult> {
    const dir = mkdtempSync(join(tmpdir(), 'ethico-bench-cluster-'));
    // 3 masters without replicas against one server; 3 masters with a replica each against one server with a replica:
    // on one machine a replica's work takes CPU from the server and the worker, so each pair replicates alike.
    const cluster = await startRedisCluster({ dir: join(dir, 'cluster'), replicas: 0 });
    const clusterReplicated = await startRedisCluster({ dir: join(dir, 'cluster-replicated') });
    // One server with a replica attached: what replication alone costs, apart from Cluster.
    const primary = await startRedisServer({ dir: join(dir, 'primary'), args: ['--repl-diskless-sync-delay', '0'] });
    const replica = await startRedisServer({ dir: join(dir, 'replica'), args: ['--replicaof', primary.host, String(primary.port)] });
    const sealing = benchSealer(ctx.servers);
    const seeds = (c: typeof cluster) => c.nodes.map((n) => ({ host: n.host, port: n.port }));
    const env: Record<Topology, RawEnv> = {
      standalone: { QUEUE_PREFIX: 'b-one' },
      replicated: { QUEUE_PREFIX: 'b-rep', REDIS_HOST: primary.host, REDIS_PORT: String(primary.port) },
      cluster: { QUEUE_PREFIX: 'b-cluster', REDIS_HOST: undefined, REDIS_PORT: undefined, REDIS_CLUSTER_NODES: cluster.seeds },
      'cluster-replicated': {
        QUEUE_PREFIX: 'b-cluster-rep',
        REDIS_HOST: undefined,
        REDIS_PORT: undefined,
        REDIS_CLUSTER_NODES: clusterReplicated.seeds,
      },
    };
    const queues: Record<Topology, Queue> = {
      standalone: new Queue('email', {
        connection: { ...ctx.servers.redis, maxRetriesPerRequest: null },
        prefix: queuePrefix('b-one', 'email'),
        defaultJobOptions: bullDefaultJobOptions(EMAIL_QUEUE),
      }),
      replicated: new Queue('email', {
        connection: { host: primary.host, port: primary.port, maxRetriesPerRequest: null },
        prefix: queuePrefix('b-rep', 'email'),
        defaultJobOptions: bullDefaultJobOptions(EMAIL_QUEUE),
      }),
      cluster: new Queue('email', {
        connection: new Cluster(seeds(cluster), { redisOptions: { maxRetriesPerRequest: null } }),
        prefix: queuePrefix('b-cluster', 'email'),
        defaultJobOptions: bullDefaultJobOptions(EMAIL_QUEUE),
      }),
      'cluster-replicated': new Queue('email', {
        connection: new Cluster(seeds(clusterReplicated), { redisOptions: { maxRetriesPerRequest: null } }),
        prefix: queuePrefix('b-cluster-rep', 'email'),
        defaultJobOptions: bullDefaultJobOptions(EMAIL_QUEUE),
      }),
    };
    const children = {} as Record<Topology, BenchChild>;
    try {
      for (const t of TOPOLOGIES) {
        children[t] = await BenchChild.start(
          'consumer.main.ts',
          appEnv(ctx.servers, { KIND: 'ours', CONCURRENCY: String(CONCURRENCY), ...env[t] }),
          {
            name: `ours-${t}`,
          },
        );
      }
      const measure = async (t: Topology, n: number): Promise<number> => {
        const q = queues[t];
        await children[t].call('reset');
        await q.pause();
        for (let i = 0; i < n; i += 1000) {
          const payloads = Array.from({ length: Math.min(1000, n - i) }, (_, j) => emailPayload(ORG, i + j));
          const data = await Promise.all(payloads.map((p) => sealing.sealer.seal(p)));
          await q.addBulk(data.map((d) => ({ name: 'send-email', data: d })));
        }
        await q.resume();
        const s = await until(
          async () => {
            const c = await children[t].call<Counter>('stats');
            return c.count >= n ? c : undefined;
          },
          180_000,
          `${n} jobs handled on ${t}`,
          25,
        );
        await q.pause();
        return (s.count * 1000) / Math.max(1, s.last - s.first);
      };
      const jobs = ctx.quick ? 1_000 : 5_000;
      // Warm-up, not recorded: JIT, connections, the data-key cache.
      for (const t of TOPOLOGIES) await measure(t, jobs);
      const rates: Record<Topology, number[]> = { standalone: [], replicated: [], cluster: [], 'cluster-replicated': [] };
      for (let r = 0; r < ctx.rounds; r++) {
        const order: Topology[] = r % 2 ? [...TOPOLOGIES].reverse() : [...TOPOLOGIES];
        const runs: Record<Topology, number[]> = { standalone: [], replicated: [], cluster: [], 'cluster-replicated': [] };
        for (const t of [...order, ...[...order].reverse()]) {
          runs[t].push(await measure(t, jobs));
          await sleep(200);
        }
        for (const t of TOPOLOGIES) rates[t].push((runs[t][0] + runs[t][1]) / 2);
        ctx.log(`  round ${r + 1}: ${TOPOLOGIES.map((t) => `${t} ${fmt(rates[t][r])}/s`).join(', ')}`);
      }
      return { concurrency: CONCURRENCY, jobs, rates };
    } finally {
      await Promise.all(Object.values(children).map((c) => c.stop()));
      await Promise.all(Object.values(queues).map((q) => q.close().catch(() => undefined)));
      await (queues.cluster.opts.connection as Cluster).quit().catch(() => undefined);
      await (queues['cluster-replicated'].opts.connection as Cluster).quit().catch(() => undefined);
      await sealing.close();
      await cluster.stop();
      await clusterReplicated.stop();
      await replica.stop();
      await primary.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  render(result) {
    const ratio = (a: Topology, b: Topology) => fmtSummary(summarize(pairedRatios(result.rates[a], result.rates[b])));
    return [
      `Ours (worker role, no-op email processor, sealed payloads), one worker process at concurrency ${result.concurrency}, ${result.jobs} jobs a run, on one Redis server, on one with a replica attached, on a local Redis Cluster of 3 masters, and on one of 3 masters with a replica each (the system's redis-server), all started by the benchmark on this machine. They run in a row and back (A B C D D C B A) per round; a round's figure is the mean of its two runs.`,
      '',
      '| topology | jobs/s (median, min–max) |',
      '|---|---|',
      `| one server | ${fmtSummary(summarize(result.rates.standalone))} |`,
      `| one server with a replica | ${fmtSummary(summarize(result.rates.replicated))} |`,
      `| Cluster, 3 masters | ${fmtSummary(summarize(result.rates.cluster))} |`,
      `| Cluster, 3 masters with a replica each | ${fmtSummary(summarize(result.rates['cluster-replicated']))} |`,
      '',
      `Paired by round: Cluster / one server ${ratio('cluster', 'standalone')}; with replicas, Cluster / one server ${ratio('cluster-replicated', 'replicated')}; what a replica costs on this machine, one server with a replica / one server ${ratio('replicated', 'standalone')}. Each pair is compared at equal replication: on one machine a replica applying the primary's writes takes CPU from the primary and the worker, which on separate hosts it would not.`,
    ].join('\n');
  },
  headline(result): Headline[] {
    const pair = (figure: string, a: Topology, b: Topology): Headline => {
      const ratio = summarize(pairedRatios(result.rates[a], result.rates[b]));
      return { figure, value: fmtSummary(ratio), target: '≥ 0.9x', verdict: verdict(ratio.median >= 0.9) };
    };
    return [
      pair(`throughput on Redis Cluster / one server, c=${result.concurrency}`, 'cluster', 'standalone'),
      pair(
        `throughput on Redis Cluster with replicas / one server with a replica, c=${result.concurrency}`,
        'cluster-replicated',
        'replicated',
      ),
    ];
  },
};
