import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import express from 'express';
import type { AppConfig } from '../../config/configuration';
import { APP_CONFIG } from '../../config/app-config.module';
import { JobsModule } from '../jobs/jobs.module';
import { ReportsModule } from '../reports/reports.module';
import { DeadLetterConsoleController } from './console/dead-letter-console.controller';
import { ReportsConsoleController } from './console/reports-console.controller';
import { FairnessConsoleController } from './console/fairness-console.controller';
import { DeadLetterActionsService } from './dead-letter-actions.service';
import { DeadLetterAuditRepository } from './dead-letter-audit.repository';
import { TenantWeightsService } from './tenant-weights.service';
import { Inject } from '@nestjs/common';

/** The dead-letter console and the audited actions it shares with the admin JSON API; the reports page. */
@Module({
  imports: [JobsModule, ReportsModule],
  controllers: [DeadLetterConsoleController, ReportsConsoleController, FairnessConsoleController],
  providers: [DeadLetterAuditRepository, DeadLetterActionsService, TenantWeightsService],
  exports: [DeadLetterActionsService, DeadLetterAuditRepository, TenantWeightsService],
})
export class AdminModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    // The console's forms post urlencoded bodies; the rest of the app takes JSON only.
    consumer.apply(express.urlencoded({ extended: false, limit: this.config.http.bodyLimit })).forRoutes(DeadLetterConsoleController);
  }
}
