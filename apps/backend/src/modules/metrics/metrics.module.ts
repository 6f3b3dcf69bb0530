import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';

/**
 * The Prometheus registry for every role. Where the process serves HTTP, GET /metrics is on its port;
 * the worker role serves it on METRICS_PORT (MetricsServerModule).
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
