import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobsModule } from '../jobs/jobs.module';
import { JobEventsListener } from './job-events.listener';
import { JobMetrics } from './job-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';
import { QueueStatsCollector } from './queue-stats.collector';

/**
 * Prometheus metrics for every role. Where the process serves HTTP, GET /metrics is on its port;
 * the worker role serves it on METRICS_PORT (MetricsServerModule).
 */
@Global()
@Module({
  imports: [DiscoveryModule, JobsModule],
  controllers: [MetricsController],
  providers: [MetricsRegistry, JobMetrics, QueueStatsCollector, JobEventsListener],
  exports: [MetricsRegistry, JobMetrics],
})
export class MetricsModule {}
