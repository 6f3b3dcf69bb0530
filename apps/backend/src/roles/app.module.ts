import { DynamicModule, Module, Type } from '@nestjs/common';
import { AppConfigModule } from '../config/app-config.module';
import type { AppConfig } from '../config/configuration';
import { AuthModule } from '../modules/auth/auth.module';
import { DatabaseModule } from '../modules/database/database.module';
import { EventsModule } from '../modules/events/events.module';
import { HealthModule } from '../modules/health/health.module';
import { LoggingModule } from '../modules/logging/logging.module';
import { MetricsModule } from '../modules/metrics/metrics.module';
import { JobMetricsModule } from '../modules/jobs/metrics/job-metrics.module';
import { MetricsServerModule } from './metrics-server';
import { ApiModule } from './api.module';
import { JobsModule } from '../modules/jobs/jobs.module';
import { resolveWorkerQueues } from '../modules/jobs/queues';
import { WorkersModule } from './workers.module';
import { WorkerYieldModule } from './worker-yield/worker-yield.module';
import { RedisModule } from '../modules/redis/redis.module';

/** Tests swap in their own workers (scripted processors) and add modules. */
export interface AppModuleExtras {
  imports?: (Type | DynamicModule)[];
  workers?: DynamicModule;
}

/**
 * The process role is decided here, by composition: `api` has no Worker objects at all, `worker`
 * has no HTTP controllers, `all` has both. Nothing else in the code asks which role it runs in.
 */
@Module({})
export class AppModule {
  static forRole(config: AppConfig, extra: AppModuleExtras = {}): DynamicModule {
    const serves = config.role !== 'worker';
    const works = config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        RedisModule,
        DatabaseModule,
        EventsModule,
        AuthModule,
        JobsModule,
        MetricsModule,
        JobMetricsModule,
        HealthModule,
        // Without an HTTP application, /metrics and /health/* are served on METRICS_PORT.
        ...(serves ? [ApiModule] : [MetricsServerModule]),
        ...(works ? [extra.workers ?? WorkersModule.forQueues(resolveWorkerQueues(config.workerQueues))] : []),
        // Requests before jobs where one process does both (worker-yield.service.ts).
        ...(serves && works && config.workerYield.lagMs > 0 ? [WorkerYieldModule] : []),
        ...(extra.imports ?? []),
      ],
    };
  }
}
