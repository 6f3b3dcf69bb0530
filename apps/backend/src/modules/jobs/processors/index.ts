import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { AiModule } from '../../ai/ai.module';
import { EmailConsumerModule } from '../../email/email-consumer.module';
import { SchedulesConsumerModule } from '../../schedules/schedules-consumer.module';
import { ReportsModule } from '../../reports/reports.module';
import { SearchModule } from '../../search/search.module';
import type { WorkQueueName } from '../queues';
import { aiProcessorProvider } from './ai.processor';
import { EmailProcessor } from './email.processor';
import { IndexingProcessor } from './indexing.processor';
import { ScheduledProcessor } from './scheduled.processor';
import { ReportsProcessor } from './reports.processor';

export * from './ai.processor';
export * from './email.processor';
export * from './indexing.processor';
export * from './scheduled.processor';
export * from './reports.processor';

/** What consuming a queue takes: its processor and the feature module holding the service that does the work. */
export interface QueueConsumer<Q extends WorkQueueName = WorkQueueName> {
  queue: Q;
  processor: Provider;
  imports: (Type | DynamicModule)[];
}

/**
 * Every work queue's consumer. The mapped type makes a declared queue without a consumer a compile
 * error; consumers.spec.ts and WorkersModule check the same at run time.
 */
export const CONSUMERS: { [Q in WorkQueueName]: QueueConsumer<Q> } = {
  'ai-processing': { queue: 'ai-processing', processor: aiProcessorProvider, imports: [AiModule] },
  email: { queue: 'email', processor: EmailProcessor, imports: [EmailConsumerModule] },
  indexing: { queue: 'indexing', processor: IndexingProcessor, imports: [SearchModule] },
  scheduled: { queue: 'scheduled', processor: ScheduledProcessor, imports: [SchedulesConsumerModule] },
  reports: { queue: 'reports', processor: ReportsProcessor, imports: [ReportsModule] },
};
