import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { findBinary, freePort, waitFor } from '../../src/dev/embedded/processes';
import { RunningRedis, startRedisServer } from '../../src/dev/embedded/redis-server';

const run = promisify(execFile);

/** Short timeouts: a test's failover should take seconds, not the production defaults' 30 s. */
export const NODE_TIMEOUT_MS = 2_000;
export const SENTINEL_DOWN_AFTER_MS = 1_000;

export interface RunningCluster {
  nodes: RunningRedis[];
  /** `host:port,...`, as REDIS_CLUSTER_NODES takes them. */
  seeds: string;
  /**
   * Starts a node that was stopped or killed again, on its port and data (nodes.conf): it rejoins
   * the cluster, as a replica of whichever node took over its slots meanwhile. Replaces it in `nodes`.
   */
  restart: (node: RunningRedis) => Promise<RunningRedis>;
  stop: () => Promise<void>;
}

export interface RunningSentinelSet {
  name: string;
  primary: RunningRedis;
  replicas: RunningRedis[];
  sentinels: RunningRedis[];
  /** `host:port,...`, as REDIS_SENTINELS takes them. */
  seeds: string;
  stop: () => Promise<void>;
}

const addr = (r: { host: string; port: number }) => `${r.host}:${r.port}`;

/** Replicas sync at once (Redis 7 waits 5 s by default, in case more replicas come). */
const REPLICATION = ['--repl-diskless-sync-delay', '0'];

/** A replica is ready once its link to its primary is up (the first sync done). */
async function replicasSynced(ports: number[]): Promise<boolean> {
  const infos = await Promise.all(ports.map((p) => ask(p, (c) => c.info('replication')).catch(() => '')));
  return infos.every((i) => !i.includes('role:slave') || i.includes('master_link_status:up'));
}

async function stopAll(servers: RunningRedis[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}

/** One question to one node, on a connection of its own that fails at once when the node is away. */
export async function ask<T>(port: number, fn: (c: IORedis) => Promise<T>): Promise<T> {
  const c = new IORedis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

/**
 * A local Redis Cluster from the system's redis-server: `masters` primaries with `replicas` replicas
 * each (default 1: `redis-cli --cluster create --cluster-replicas 1`), ready when every node reports
 * cluster_state:ok.
 */
export async function startRedisCluster(opts: { dir: string; masters?: number; replicas?: number }): Promise<RunningCluster> {
  const replicas = opts.replicas ?? 1;
  const count = (opts.masters ?? 3) * (1 + replicas);
  const cli = findBinary('redis-cli');
  if (!cli) throw new Error('redis-cli not found: it creates the cluster (apt-get install redis-tools)');
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const startNode = (port: number) =>
    startRedisServer({
      dir: join(opts.dir, String(port)),
      port,
      args: [
        ...REPLICATION,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(NODE_TIMEOUT_MS),
      ],
    });
  const nodes = await Promise.all(ports.map(startNode));
  try {
    await run(cli, ['--cluster', 'create', ...nodes.map(addr), '--cluster-replicas', String(replicas), '--cluster-yes'], {
      timeout: 30_000,
    });
    await waitFor(
      async () => {
        const infos = await Promise.all(nodes.map((n) => ask(n.port, (c) => c.cluster('INFO')).catch(() => '')));
        return infos.every((i) => i.includes('cluster_state:ok')) && (await replicasSynced(ports));
      },
      30_000,
      'Redis Cluster state ok, replicas synced',
    );
  } catch (err) {
    await stopAll(nodes);
    throw err;
  }
  const restart = async (node: RunningRedis): Promise<RunningRedis> => {
    const i = nodes.indexOf(node);
    if (i < 0) throw new Error(`${addr(node)} is not a node of this cluster`);
    await node.stop();
    nodes[i] = await startNode(node.port);
    return nodes[i];
  };
  return { nodes, seeds: nodes.map(addr).join(','), restart, stop: () => stopAll(nodes) };
}

/**
 * A primary, `replicas` replicas and `sentinels` sentinels (quorum 2) monitoring it as `name`; ready
 * when every sentinel sees the replicas and the other sentinels.
 */
export async function startRedisSentinels(opts: {
  dir: string;
  name?: string;
  replicas?: number;
  sentinels?: number;
}): Promise<RunningSentinelSet> {
  const name = opts.name ?? 'ethico';
  const primary = await startRedisServer({ dir: join(opts.dir, 'primary'), args: REPLICATION });
  const servers: RunningRedis[] = [primary];
  try {
    const replicas = await Promise.all(
      Array.from({ length: opts.replicas ?? 2 }, (_, i) =>
        startRedisServer({
          dir: join(opts.dir, `replica-${i}`),
          args: [...REPLICATION, '--replicaof', primary.host, String(primary.port)],
        }),
      ),
    );
    servers.push(...replicas);
    const sentinels = await Promise.all(
      Array.from({ length: opts.sentinels ?? 3 }, async (_, i) => {
        const dir = join(opts.dir, `sentinel-${i}`);
        mkdirSync(dir, { recursive: true });
        // Sentinel rewrites its configuration file: one of its own, written before it starts.
        const config = join(dir, 'sentinel.conf');
        writeFileSync(
          config,
          [
            `sentinel monitor ${name} ${primary.host} ${primary.port} 2`,
            `sentinel down-after-milliseconds ${name} ${SENTINEL_DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${name} 10000`,
            `sentinel parallel-syncs ${name} 1`,
            '',
          ].join('\n'),
        );
        return startRedisServer({ dir, config, args: ['--sentinel'] });
      }),
    );
    servers.push(...sentinels);
    const others = sentinels.length - 1;
    await waitFor(
      async () => {
        const seen = await Promise.all(
          sentinels.map((s) =>
            ask(s.port, async (c) => {
              const r = (await c.call('SENTINEL', 'REPLICAS', name)) as unknown[];
              const o = (await c.call('SENTINEL', 'SENTINELS', name)) as unknown[];
              return r.length === replicas.length && o.length === others;
            }).catch(() => false),
          ),
        );
        return seen.every(Boolean) && (await replicasSynced(replicas.map((r) => r.port)));
      },
      30_000,
      'sentinels seeing the replicas and each other, replicas synced',
    );
    return { name, primary, replicas, sentinels, seeds: sentinels.map(addr).join(','), stop: () => stopAll(servers) };
  } catch (err) {
    await stopAll(servers);
    throw err;
  }
}

/** A deployment's environment on a Cluster: the addresses of the harness's own Redis left out. */
export const clusterEnv = (seeds: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  REDIS_HOST: undefined,
  REDIS_PORT: undefined,
  REDIS_PASSWORD: undefined,
  REDIS_DB: undefined,
  REDIS_SENTINELS: undefined,
  REDIS_SENTINEL_NAME: undefined,
  REDIS_CLUSTER_NODES: seeds,
  ...extra,
});
