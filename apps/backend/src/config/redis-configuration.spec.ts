import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, loadConfiguration } from './configuration';

const base = { DATABASE_URL: 'postgres://localhost:5432/ethico' };
const load = (env: Record<string, string>) => loadConfiguration({ ...base, ...env });

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems.filter((p) => p.startsWith('REDIS_'));
    throw err;
  }
  return [];
}

const ca = join(mkdtempSync(join(tmpdir(), 'redis-ca-')), 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n');

describe('Redis topology configuration', () => {
  it('reads REDIS_URL: TLS, ACL user and password (URL-decoded), database', () => {
    const { redis } = load({
      REDIS_URL: 'rediss://jobs:p%40ss@redis.internal:6380/2',
      REDIS_TLS_CA_FILE: ca,
      REDIS_TLS_SERVERNAME: 'redis.example.com',
    });
    expect(redis).toMatchObject({
      mode: 'standalone',
      host: 'redis.internal',
      port: 6380,
      db: 2,
      username: 'jobs',
      password: 'p@ss',
      tls: { ca: expect.stringContaining('BEGIN CERTIFICATE'), servername: 'redis.example.com', rejectUnauthorized: true },
      sentinel: null,
      cluster: null,
    });
  });

  it('keeps REDIS_HOST/REDIS_PORT as they were, on plain TCP', () => {
    expect(load({ REDIS_HOST: 'r', REDIS_PORT: '7000', REDIS_PASSWORD: 'x' }).redis).toMatchObject({
      mode: 'standalone',
      host: 'r',
      port: 7000,
      password: 'x',
      db: 0,
      tls: null,
    });
  });

  it('reads a Sentinel set', () => {
    const { redis } = load({
      REDIS_SENTINELS: 's1:26379, s2:26379,s3:26380',
      REDIS_SENTINEL_NAME: 'ethico',
      REDIS_SENTINEL_PASSWORD: 'sp',
      REDIS_USERNAME: 'jobs',
      REDIS_PASSWORD: 'dp',
    });
    expect(redis.mode).toBe('sentinel');
    expect(redis.sentinel).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: 's3', port: 26380 },
      ],
      name: 'ethico',
      username: undefined,
      password: 'sp',
    });
    expect(redis).toMatchObject({ username: 'jobs', password: 'dp' });
  });

  it('reads a Cluster with its NAT map', () => {
    const { redis } = load({
      REDIS_CLUSTER_NODES: 'localhost:7000,localhost:7001',
      REDIS_CLUSTER_NAT_MAP: '172.18.0.2:6379=localhost:7000, 172.18.0.3:6379=localhost:7001',
      REDIS_TLS: 'true',
    });
    expect(redis.mode).toBe('cluster');
    expect(redis.cluster).toEqual({
      nodes: [
        { host: 'localhost', port: 7000 },
        { host: 'localhost', port: 7001 },
      ],
      natMap: { '172.18.0.2:6379': { host: 'localhost', port: 7000 }, '172.18.0.3:6379': { host: 'localhost', port: 7001 } },
    });
    expect(redis.tls).toEqual({ ca: undefined, servername: undefined, rejectUnauthorized: true });
  });

  // Each invalid combination stops the process with a message naming the variables to change.
  it.each<[string, Record<string, string>, RegExp]>([
    ['a URL of another scheme', { REDIS_URL: 'http://x:6379' }, /^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/],
    ['REDIS_URL and REDIS_HOST', { REDIS_URL: 'redis://a:6379', REDIS_HOST: 'b' }, /^REDIS_URL, REDIS_HOST, REDIS_PORT: /],
    [
      'Sentinel and Cluster',
      { REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'b:2' },
      /^REDIS_SENTINELS, REDIS_CLUSTER_NODES: name one topology/,
    ],
    ['sentinels without a name', { REDIS_SENTINELS: 'a:26379' }, /^REDIS_SENTINEL_NAME: must be set with REDIS_SENTINELS/],
    ['a sentinel password without sentinels', { REDIS_SENTINEL_PASSWORD: 'x' }, /^REDIS_SENTINEL_PASSWORD, REDIS_SENTINELS: /],
    [
      'sentinels and REDIS_HOST',
      { REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_NAME: 'm', REDIS_HOST: 'h' },
      /^REDIS_SENTINELS, REDIS_HOST\/REDIS_PORT: /,
    ],
    ['cluster nodes and REDIS_URL', { REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://b:6379' }, /^REDIS_CLUSTER_NODES, REDIS_URL: /],
    [
      'a cluster node without a port',
      { REDIS_CLUSTER_NODES: 'a:7000,b' },
      /^REDIS_CLUSTER_NODES: must be a comma-separated list of host:port; not one: b/,
    ],
    [
      'a database on Cluster',
      { REDIS_CLUSTER_NODES: 'a:7000', REDIS_DB: '3' },
      /^REDIS_DB, REDIS_CLUSTER_NODES: Redis Cluster has database 0 only/,
    ],
    ['a NAT map without cluster nodes', { REDIS_CLUSTER_NAT_MAP: 'a:1=b:2' }, /^REDIS_CLUSTER_NAT_MAP, REDIS_CLUSTER_NODES: /],
    [
      'a NAT map entry without a target',
      { REDIS_CLUSTER_NODES: 'a:7000', REDIS_CLUSTER_NAT_MAP: 'a:1' },
      /^REDIS_CLUSTER_NAT_MAP: .*not one: a:1/,
    ],
    ['TLS options without TLS', { REDIS_TLS_CA_FILE: ca }, /^REDIS_TLS_CA_FILE, REDIS_TLS: .*only read with TLS on/],
    [
      'a CA file that cannot be read',
      { REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' },
      /^REDIS_TLS_CA_FILE: cannot be read: ENOENT/,
    ],
    [
      'redis:// with REDIS_TLS=true',
      { REDIS_URL: 'redis://a:6379', REDIS_TLS: 'true' },
      /^REDIS_URL, REDIS_TLS: a redis:\/\/ URL is plain TCP/,
    ],
    ['two passwords', { REDIS_URL: 'redis://:x@a:6379', REDIS_PASSWORD: 'y' }, /^REDIS_URL, REDIS_PASSWORD: both give a password/],
    ['two databases', { REDIS_URL: 'redis://a:6379/1', REDIS_DB: '2' }, /^REDIS_URL, REDIS_DB: both name a database/],
  ])('refuses %s', (_, env, message) => {
    const found = problems(env);
    expect(found.some((p) => message.test(p))).toBe(true);
  });
});
