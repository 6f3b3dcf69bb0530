import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { keySlot } from './key-slot';

/** A client of whichever topology the configuration names; both speak the same commands. */
export type RedisClient = IORedis | Cluster;

/** Reconnect quickly after an outage or a failover (workers must resume within seconds), but never hammer. */
const redisRetryStrategy = (times: number): number => Math.min(250 * times, 2_000);

type RedisConfig = AppConfig['redis'];

function tlsOptions(redis: RedisConfig): RedisOptions['tls'] {
  if (!redis.tls) return undefined;
  return { ca: redis.tls.ca, servername: redis.tls.servername, rejectUnauthorized: redis.tls.rejectUnauthorized };
}

/** What every connection to a data node shares: credentials, TLS, timeouts. */
function nodeOptions(redis: RedisConfig): RedisOptions {
  return {
    username: redis.username,
    password: redis.password,
    tls: tlsOptions(redis),
    // BullMQ requires this for blocking connections; commands wait for a reconnect instead of failing.
    maxRetriesPerRequest: null,
    connectTimeout: 5_000,
    // A primary demoted by a failover answers writes with READONLY: reconnect, and so find the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
}

/**
 * Options for one server or a Sentinel-managed primary (ioredis asks the sentinels for the primary
 * and asks again after a failover). Not for Cluster: see clusterOptions.
 */
export function redisOptions(redis: RedisConfig): RedisOptions {
  const common = { ...nodeOptions(redis), db: redis.db, retryStrategy: redisRetryStrategy };
  if (!redis.sentinel) return { ...common, host: redis.host, port: redis.port };
  return {
    ...common,
    sentinels: redis.sentinel.sentinels,
    name: redis.sentinel.name,
    sentinelUsername: redis.sentinel.username,
    sentinelPassword: redis.sentinel.password,
    enableTLSForSentinelMode: redis.tls !== null,
    sentinelTLS: tlsOptions(redis),
    sentinelRetryStrategy: redisRetryStrategy,
    // Listen to the sentinels' +switch-master: reconnect to the new primary at once, not at the next error.
    failoverDetector: true,
  };
}

/** Options for a Redis Cluster client; `nodes` seed it, the slot map comes from the cluster. */
export function clusterOptions(redis: RedisConfig, node: RedisOptions = {}): ClusterOptions {
  return {
    redisOptions: { ...nodeOptions(redis), ...node },
    natMap: redis.cluster?.natMap,
    clusterRetryStrategy: redisRetryStrategy,
    // Managed services (ElastiCache, MemoryDB) hand out certificates for host names: keep them, do not resolve to IPs.
    dnsLookup: redis.tls ? (address, callback) => callback(null, address) : undefined,
    // After a primary fails, its slots move: retry the command on the new owner rather than fail.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    slotsRefreshTimeout: 2_000,
    scaleReads: 'master',
  };
}

/**
 * The one place Redis connections are described and created, for standalone, Sentinel and Cluster.
 * BullMQ queues and workers receive `bullConnection()`: options for one server or Sentinel (BullMQ
 * opens and closes its own connections), or, on Cluster, one shared Cluster client (BullMQ
 * duplicates it for its blocking connections and closes those). Every client created here is
 * closed here on shutdown, after Nest has closed the workers and queues that use them.
 */
@Injectable()
export class RedisConnectionFactory implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnectionFactory.name);
  private readonly clients = new Set<RedisClient>();
  private producerClient?: RedisClient;
  private bullCluster?: Cluster;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  get mode(): AppConfig['redis']['mode'] {
    return this.config.redis.mode;
  }

  /** The connection BullMQ's queues, workers and QueueEvents use: they wait out outages and failovers. */
  bullConnection(): ConnectionOptions {
    if (this.config.redis.mode !== 'cluster') return redisOptions(this.config.redis);
    this.bullCluster ??= this.track('bullmq', this.cluster({ connectionName: 'bullmq' }));
    return this.bullCluster;
  }

  /**
   * The producers' shared client. It never queues or re-sends a command: while Redis is away a
   * command fails at once, so a job refused with 503 cannot be stored later behind the caller's back.
   */
  producer(): RedisClient {
    this.producerClient ??= this.create('producer');
    return this.producerClient;
  }

  /** A client that fails fast while Redis is away (health checks, admin reads). */
  create(name: string): RedisClient {
    const failFast = { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectionName: name };
    if (this.config.redis.mode === 'cluster') {
      return this.track(
        name,
        new Cluster(this.config.redis.cluster!.nodes, { ...clusterOptions(this.config.redis, failFast), enableOfflineQueue: false }),
      );
    }
    return this.track(name, new IORedis({ ...redisOptions(this.config.redis), ...failFast }));
  }

  /**
   * A client that waits out an outage and resubscribes after it (pub/sub listeners). Its commands
   * queue while Redis is away, so it is for subscribing, never for request paths.
   */
  subscriber(name: string): RedisClient {
    if (this.config.redis.mode === 'cluster') return this.track(name, this.cluster({ connectionName: name }));
    return this.track(name, new IORedis({ ...redisOptions(this.config.redis), connectionName: name }));
  }

  /**
   * The data nodes to ask when a question covers every key (a SCAN, a count): each master of a
   * Cluster, or the one client itself.
   */
  static masters(client: RedisClient): IORedis[] {
    return client instanceof Cluster ? client.nodes('master') : [client];
  }

  /**
   * The connection that serves `key`: on Cluster, the client's connection to the master of its
   * slot (a keyless command such as WAIT must go there, after the writes it is about).
   */
  static nodeFor(client: RedisClient, key: string): IORedis {
    if (!(client instanceof Cluster)) return client;
    const owner = client.slots[keySlot(key)]?.[0];
    const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
    if (!node) throw new Error(`no Redis Cluster master known for slot ${keySlot(key)}`);
    return node;
  }

  async onApplicationShutdown(): Promise<void> {
    this.producerClient = undefined;
    this.bullCluster = undefined;
    await Promise.all([...this.clients].map((c) => c.quit().catch(() => c.disconnect())));
    this.clients.clear();
  }

  private cluster(node: RedisOptions): Cluster {
    return new Cluster(this.config.redis.cluster!.nodes, clusterOptions(this.config.redis, node));
  }

  private track<C extends RedisClient>(name: string, client: C): C {
    client.on('error', (err: Error) => this.logger.debug(`redis client ${name}: ${err.message}`));
    this.clients.add(client);
    return client;
  }
}
