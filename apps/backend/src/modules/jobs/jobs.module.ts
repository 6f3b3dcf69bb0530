import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../../config/app-config.module';
import type { AppConfig } from '../../config/configuration';
import { RedisConnectionFactory } from '../redis/redis-connection.factory';
import { BullQueues } from './bull-queues';
import { DeadLetterService } from './dead-letter/dead-letter.service';
import { JobsService } from './jobs.service';
import { JobOutboxRepository } from './outbox/job-outbox.repository';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { PriorityBackfillService } from './priority-backfill.service';
import { JobCancellationsRepository } from './cancellation/job-cancellations.repository';
import { JobEventStreamsService } from './progress/job-event-streams.service';
import { QUEUES, queuePrefix } from './queues';
import { fairDefaultJobOptions } from './fairness/fair-order';
import { SealingModule } from './sealing/sealing.module';
import { REPEAT_SETTINGS } from './queues/repeat-strategy';
import { TenantWeights } from './fairness/tenant-weights';
import { TenantWeightsRepository } from './fairness/tenant-weights.repository';

/**
 * The producer side of the job system, imported by every process role: queues (with each queue's
 * default job options), the typed JobsService, the dead-letter store, and the transactional outbox
 * with its relay. Workers live in WorkersModule.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG, RedisConnectionFactory],
      useFactory: (config: AppConfig, redis: RedisConnectionFactory) => ({
        // Connection details come from the configuration through the one connection factory.
        connection: redis.bullConnection(),
        prefix: config.queue.prefix,
      }),
    }),
    // Each queue under its own hash tag (queuePrefix); workers take their queue's prefix.
    ...QUEUES.map((def) =>
      BullModule.registerQueueAsync({
        name: def.name,
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({
          prefix: queuePrefix(config.queue.prefix, def.name),
          defaultJobOptions: fairDefaultJobOptions(def, config.fairness.enabled),
          settings: REPEAT_SETTINGS,
        }),
      }),
    ),
    SealingModule,
  ],
  providers: [
    JobsService,
    DeadLetterService,
    BullQueues,
    JobOutboxRepository,
    OutboxRelayService,
    PriorityBackfillService,
    JobCancellationsRepository,
    JobEventStreamsService,
    SealingModule,
    TenantWeights,
    TenantWeightsRepository,
  ],
  exports: [
    BullModule,
    JobsService,
    DeadLetterService,
    BullQueues,
    JobOutboxRepository,
    OutboxRelayService,
    JobCancellationsRepository,
    JobEventStreamsService,
    SealingModule,
    TenantWeights,
    TenantWeightsRepository,
  ],
})
export class JobsModule {}
