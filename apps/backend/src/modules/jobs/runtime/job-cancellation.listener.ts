import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { RedisClient } from '../../redis/redis-connection.factory';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import { RedisConnectionFactory } from '../../redis/redis-connection.factory';
import { cancelChannel, parseCancelMessage } from '../cancellation/job-cancellation';
import { CancellableWorker } from './cancellable.worker';
import { discoverWorkQueueWorkers } from './discover-workers';

/**
 * Every worker process hears every cancellation (one pub/sub channel per queue prefix) and hands it
 * to its own worker for that queue, which aborts the job if it runs it here and remembers it briefly
 * otherwise. The marker in Redis, written before the message is published, covers processes that
 * were not listening (restarted, or cut off from Redis) when the job runs again.
 */
@Injectable()
export class JobCancellationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobCancellation');
  private subscriber?: RedisClient;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly redis: RedisConnectionFactory,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const workers = new Map(
      discoverWorkQueueWorkers(this.discovery)
        .filter((w): w is typeof w & CancellableWorker => w instanceof CancellableWorker)
        .map((w) => [w.name as string, w]),
    );
    if (workers.size === 0) return;
    const channel = cancelChannel(this.config.queue.prefix);
    const subscriber = this.redis.subscriber('job-cancellations');
    this.subscriber = subscriber;
    subscriber.on('message', (from: string, raw: string) => {
      if (from !== channel) return;
      const message = parseCancelMessage(raw);
      const worker = message ? workers.get(message.queue) : undefined;
      if (!message || !worker) return;
      if (worker.cancel(message.id)) this.logger.log(`${message.queue} job ${message.id}: cancelled while running here`);
    });
    // Not awaited: a process that starts while Redis is away must still start. The client queues the
    // subscription until it connects and renews it after every reconnect.
    subscriber.subscribe(channel).catch((err: Error) => this.logger.warn(`cannot subscribe to ${channel}: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    // The connection factory closes the client; unsubscribing first keeps the close quiet.
    await this.subscriber?.unsubscribe().catch(() => undefined);
  }
}
