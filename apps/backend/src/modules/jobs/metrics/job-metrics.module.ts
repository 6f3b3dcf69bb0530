import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobsModule } from '../jobs.module';
import { JobEventsListener } from './job-events.listener';
import { JobMetrics } from './job-metrics';
import { QueueStatsCollector } from './queue-stats.collector';
import { TenantLabels } from './tenant-labels';

/** The job system's metrics: per-job counters and timings, and queue depths read at scrape time. */
@Global()
@Module({
  imports: [DiscoveryModule, JobsModule],
  providers: [JobMetrics, QueueStatsCollector, JobEventsListener, TenantLabels],
  exports: [JobMetrics],
})
export class JobMetricsModule {}
