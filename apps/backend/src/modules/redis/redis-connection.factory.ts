import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis, { RedisOptions } from 'ioredis';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';

/** Reconnect quickly after an outage (workers must resume within seconds), but never hammer. */
const redisRetryStrategy = (times: number): number => Math.min(250 * times, 2_000);

export function redisOptions(redis: AppConfig['redis']): RedisOptions {
  return {
    host: redis.host,
    port: redis.port,
    password: redis.password,
    db: redis.db,
    // BullMQ requires this for blocking connections; commands wait for a reconnect instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: redisRetryStrategy,
    connectTimeout: 5_000,
  };
}

/**
 * The one place Redis connections are described and created. BullMQ queues and workers receive
 * `options()` and own the connections they open (closed when Nest closes them); standalone clients
 * come from `create()` and are closed here on shutdown.
 */
@Injectable()
export class RedisConnectionFactory implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnectionFactory.name);
  private readonly clients = new Set<IORedis>();
  private producerClient?: IORedis;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  options(): RedisOptions {
    return redisOptions(this.config.redis);
  }

  /**
   * The producers' shared client. It never queues or re-sends a command: while Redis is away a
   * command fails at once, so a job refused with 503 cannot be stored later behind the caller's back.
   */
  producer(): IORedis {
    this.producerClient ??= this.create('producer');
    return this.producerClient;
  }

  /** A client that fails fast while Redis is away (health checks, admin reads). */
  create(name: string): IORedis {
    const client = new IORedis({ ...this.options(), maxRetriesPerRequest: 0, enableOfflineQueue: false, connectionName: name });
    client.on('error', (err) => this.logger.debug(`redis client ${name}: ${err.message}`));
    this.clients.add(client);
    return client;
  }

  /**
   * A client that waits out an outage and resubscribes after it (pub/sub listeners). Its commands
   * queue while Redis is away, so it is for subscribing, never for request paths.
   */
  subscriber(name: string): IORedis {
    const client = new IORedis({ ...this.options(), connectionName: name });
    client.on('error', (err) => this.logger.debug(`redis subscriber ${name}: ${err.message}`));
    this.clients.add(client);
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    this.producerClient = undefined;
    await Promise.all([...this.clients].map((c) => c.quit().catch(() => c.disconnect())));
    this.clients.clear();
  }
}
