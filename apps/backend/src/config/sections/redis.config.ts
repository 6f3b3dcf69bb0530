import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { bool, int, list, problem } from '../fields';

export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * How the backend reaches Redis: one server (REDIS_URL or REDIS_HOST/REDIS_PORT), a primary that
 * Sentinel names (REDIS_SENTINELS + REDIS_SENTINEL_NAME), or a Redis Cluster (REDIS_CLUSTER_NODES).
 * Credentials and TLS apply to every server of the topology.
 */
type RedisMode = 'standalone' | 'sentinel' | 'cluster';

const address = (raw: string): RedisAddress | null => {
  const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(raw);
  if (!m) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1], port } : null;
};

/** `host:port,host:port`: the addresses, or the items that are not one. */
function addresses(raw: string | undefined): { ok: RedisAddress[]; bad: string[] } {
  const items = raw === undefined ? [] : list(raw);
  const ok = items.map(address).filter((a): a is RedisAddress => a !== null);
  return { ok, bad: items.filter((i) => address(i) === null) };
}

/** `announced=reachable,...`: what the cluster announces (CLUSTER SLOTS) mapped to where this process reaches it. */
function natMap(raw: string | undefined): { ok: Record<string, RedisAddress>; bad: string[] } {
  const ok: Record<string, RedisAddress> = {};
  const bad: string[] = [];
  for (const item of raw === undefined ? [] : list(raw)) {
    const [from, to, ...rest] = item.split('=');
    const target = to === undefined ? null : address(to.trim());
    if (rest.length || !from || address(from.trim()) === null || !target) bad.push(item);
    else ok[from.trim()] = target;
  }
  return { ok, bad };
}

function parseUrl(raw: string): URL | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'redis:' || url.protocol === 'rediss:' ? url : null;
  } catch {
    return null;
  }
}

const readCa = (path: string): { ca?: string; error?: string } => {
  try {
    return { ca: readFileSync(path, 'utf8') };
  } catch (err) {
    return { error: (err as Error).message };
  }
};

export const redisSection = z
  .object({
    REDIS_URL: z.string().optional(),
    REDIS_HOST: z.string().min(1).optional(),
    REDIS_PORT: int(1, 65535).optional(),
    REDIS_USERNAME: z.string().optional(),
    REDIS_PASSWORD: z.string().optional(),
    REDIS_DB: int(0, 15).optional(),
    REDIS_TLS: bool.optional(),
    REDIS_TLS_CA_FILE: z.string().optional(),
    REDIS_TLS_SERVERNAME: z.string().optional(),
    REDIS_TLS_REJECT_UNAUTHORIZED: bool.optional(),
    REDIS_SENTINELS: z.string().optional(),
    REDIS_SENTINEL_NAME: z.string().optional(),
    REDIS_SENTINEL_USERNAME: z.string().optional(),
    REDIS_SENTINEL_PASSWORD: z.string().optional(),
    REDIS_CLUSTER_NODES: z.string().optional(),
    REDIS_CLUSTER_NAT_MAP: z.string().optional(),
    // Durability for High-tier jobs: after the add, WAIT for this many replicas (0: never wait).
    REDIS_WAIT_REPLICAS: int(0, 16).default(0),
    REDIS_WAIT_TIMEOUT_MS: int(1, 60_000).default(200),
  })
  .superRefine((e, ctx) => {
    const url = e.REDIS_URL === undefined ? undefined : parseUrl(e.REDIS_URL);
    if (url === null) problem(ctx, 'REDIS_URL', 'must be a redis:// or rediss:// URL, e.g. rediss://user:password@host:6379/0');
    const sentinels = e.REDIS_SENTINELS !== undefined;
    const cluster = e.REDIS_CLUSTER_NODES !== undefined;
    const server =
      e.REDIS_URL !== undefined ? 'REDIS_URL' : e.REDIS_HOST !== undefined || e.REDIS_PORT !== undefined ? 'REDIS_HOST/REDIS_PORT' : null;
    if (e.REDIS_URL !== undefined && (e.REDIS_HOST !== undefined || e.REDIS_PORT !== undefined)) {
      problem(
        ctx,
        'REDIS_URL, REDIS_HOST, REDIS_PORT',
        'REDIS_URL names the server already: set REDIS_URL or REDIS_HOST/REDIS_PORT, not both',
      );
    }
    if (sentinels && cluster) {
      problem(
        ctx,
        'REDIS_SENTINELS, REDIS_CLUSTER_NODES',
        'name one topology: Sentinel (REDIS_SENTINELS) or Redis Cluster (REDIS_CLUSTER_NODES), not both',
      );
    }
    for (const [set, name] of [
      [sentinels, 'REDIS_SENTINELS'],
      [cluster, 'REDIS_CLUSTER_NODES'],
    ] as const) {
      if (set && server) {
        problem(
          ctx,
          `${name}, ${server}`,
          `${name} names the servers: unset ${server} (credentials go in REDIS_USERNAME/REDIS_PASSWORD, TLS in REDIS_TLS)`,
        );
      }
      const given = addresses(e[name]);
      if (set && (given.bad.length || !given.ok.length)) {
        problem(ctx, name, `must be a comma-separated list of host:port${given.bad.length ? `; not one: ${given.bad.join(', ')}` : ''}`);
      }
    }
    if (sentinels && !e.REDIS_SENTINEL_NAME)
      problem(ctx, 'REDIS_SENTINEL_NAME', 'must be set with REDIS_SENTINELS: the name of the primary the sentinels monitor');
    for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (!sentinels && e[name] !== undefined) problem(ctx, `${name}, REDIS_SENTINELS`, `${name} is only read with REDIS_SENTINELS`);
    }
    if (!cluster && e.REDIS_CLUSTER_NAT_MAP !== undefined)
      problem(ctx, 'REDIS_CLUSTER_NAT_MAP, REDIS_CLUSTER_NODES', 'REDIS_CLUSTER_NAT_MAP is only read with REDIS_CLUSTER_NODES');
    const nat = natMap(e.REDIS_CLUSTER_NAT_MAP);
    if (nat.bad.length)
      problem(
        ctx,
        'REDIS_CLUSTER_NAT_MAP',
        `must be announced-host:port=reachable-host:port pairs, comma-separated; not one: ${nat.bad.join(', ')}`,
      );
    const db = e.REDIS_DB ?? (url && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0);
    if (url && url.pathname.length > 1 && (e.REDIS_DB !== undefined || !/^\/\d{1,2}$/.test(url.pathname) || db > 15)) {
      problem(
        ctx,
        e.REDIS_DB !== undefined ? 'REDIS_URL, REDIS_DB' : 'REDIS_URL',
        e.REDIS_DB !== undefined ? 'both name a database: keep one' : 'its path must be a database number 0-15',
      );
    }
    if (cluster && db !== 0) problem(ctx, 'REDIS_DB, REDIS_CLUSTER_NODES', 'Redis Cluster has database 0 only');
    if (url && (url.username || url.password)) {
      if (e.REDIS_USERNAME !== undefined && url.username) problem(ctx, 'REDIS_URL, REDIS_USERNAME', 'both name the user: keep one');
      if (e.REDIS_PASSWORD !== undefined && url.password) problem(ctx, 'REDIS_URL, REDIS_PASSWORD', 'both give a password: keep one');
    }
    if (url?.protocol === 'redis:' && e.REDIS_TLS === true)
      problem(ctx, 'REDIS_URL, REDIS_TLS', 'a redis:// URL is plain TCP: use rediss:// for TLS');
    if (url?.protocol === 'rediss:' && e.REDIS_TLS === false)
      problem(ctx, 'REDIS_URL, REDIS_TLS', 'a rediss:// URL is TLS: REDIS_TLS=false contradicts it');
    const tls = url?.protocol === 'rediss:' || e.REDIS_TLS === true;
    for (const name of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_SERVERNAME', 'REDIS_TLS_REJECT_UNAUTHORIZED'] as const) {
      if (!tls && e[name] !== undefined)
        problem(ctx, `${name}, REDIS_TLS`, `${name} is only read with TLS on: set REDIS_TLS=true or use a rediss:// REDIS_URL`);
    }
    if (tls && e.REDIS_TLS_CA_FILE !== undefined) {
      const { error } = readCa(e.REDIS_TLS_CA_FILE);
      if (error) problem(ctx, 'REDIS_TLS_CA_FILE', `cannot be read: ${error}`);
    }
  })
  .transform((e) => {
    const url = e.REDIS_URL === undefined ? null : parseUrl(e.REDIS_URL);
    const decode = (s: string | undefined) => (s ? decodeURIComponent(s) : undefined);
    const mode: RedisMode = e.REDIS_SENTINELS !== undefined ? 'sentinel' : e.REDIS_CLUSTER_NODES !== undefined ? 'cluster' : 'standalone';
    const tlsOn = url?.protocol === 'rediss:' || e.REDIS_TLS === true;
    return {
      mode,
      host: url?.hostname.replace(/^\[|\]$/g, '') || e.REDIS_HOST || 'localhost',
      port: url?.port ? Number(url.port) : (e.REDIS_PORT ?? 6379),
      db: e.REDIS_DB ?? (url && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0),
      username: e.REDIS_USERNAME ?? decode(url?.username),
      password: e.REDIS_PASSWORD ?? decode(url?.password),
      /** null: plain TCP. */
      tls: tlsOn
        ? {
            ca: e.REDIS_TLS_CA_FILE === undefined ? undefined : readCa(e.REDIS_TLS_CA_FILE).ca,
            servername: e.REDIS_TLS_SERVERNAME,
            rejectUnauthorized: e.REDIS_TLS_REJECT_UNAUTHORIZED ?? true,
          }
        : null,
      sentinel:
        mode === 'sentinel'
          ? {
              sentinels: addresses(e.REDIS_SENTINELS).ok,
              name: e.REDIS_SENTINEL_NAME!,
              username: e.REDIS_SENTINEL_USERNAME,
              password: e.REDIS_SENTINEL_PASSWORD,
            }
          : null,
      cluster: mode === 'cluster' ? { nodes: addresses(e.REDIS_CLUSTER_NODES).ok, natMap: natMap(e.REDIS_CLUSTER_NAT_MAP).ok } : null,
      /** After adding a High-tier job, WAIT for this many replicas to have it (0: off), at most timeoutMs. */
      waitAfterEnqueue: { replicas: e.REDIS_WAIT_REPLICAS, timeoutMs: e.REDIS_WAIT_TIMEOUT_MS },
    };
  });
