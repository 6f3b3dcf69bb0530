import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '../../../config/app-config.module';
import type { AppConfig } from '../../../config/configuration';
import { RedisClient, RedisConnectionFactory } from '../../redis/redis-connection.factory';
import { PayloadSealer } from './payload-sealer';

/** Where a shred is announced: the organization id, beside the queues' keys. */
const destroyedKeysChannel = (queuePrefix: string) => `${queuePrefix}:payload-keys:destroyed`;

/** Tells every running process that an organization's data keys are destroyed (keys:shred does). */
export async function announceDestroyed(client: RedisClient, queuePrefix: string, organizationId: string): Promise<number> {
  return client.publish(destroyedKeysChannel(queuePrefix), organizationId);
}

/**
 * Every process forgets its cached copy of a shredded tenant's keys as soon as the shred is
 * announced, so the tenant's next job fails at once instead of running for the cache's TTL
 * (which remains the bound if the announcement is missed, Redis being away).
 */
@Injectable()
export class PayloadKeyInvalidation implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PayloadSealer');
  private subscriber?: RedisClient;

  constructor(
    private readonly redis: RedisConnectionFactory,
    private readonly sealer: PayloadSealer,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const channel = destroyedKeysChannel(this.config.queue.prefix);
    // Its own connection (a subscribed one takes no other command); ioredis resubscribes after a reconnect.
    const sub = this.redis.subscriber('payload-keys');
    sub.on('error', (err: Error) => this.logger.debug(`payload-keys subscriber: ${err.message}`));
    sub.on('message', (ch: string, organizationId: string) => {
      if (ch === channel) this.sealer.forget(organizationId);
    });
    // Not awaited: a process starts while Redis is away, and subscribes once it is back.
    sub.subscribe(channel).catch((err: Error) => this.logger.warn(`could not subscribe to ${channel}: ${err.message}`));
    this.subscriber = sub;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
