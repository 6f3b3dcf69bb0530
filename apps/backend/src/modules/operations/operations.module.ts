import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import express from 'express';
import type { AppConfig } from '../../config/configuration';
import { APP_CONFIG } from '../../config/app-config.module';
import { JobsModule } from '../jobs/jobs.module';
import { DeadLetterConsoleController } from './console/dead-letter-console.controller';
import { DeadLetterActions } from './dead-letter-actions.service';
import { DeadLetterAudit } from './dead-letter-audit.service';
import { Inject } from '@nestjs/common';

/** The dead-letter console and the audited actions it shares with the admin JSON API. */
@Module({
  imports: [JobsModule],
  controllers: [DeadLetterConsoleController],
  providers: [DeadLetterAudit, DeadLetterActions],
  exports: [DeadLetterActions],
})
export class OperationsModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    // The console's forms post urlencoded bodies; the rest of the app takes JSON only.
    consumer.apply(express.urlencoded({ extended: false, limit: this.config.http.bodyLimit })).forRoutes(DeadLetterConsoleController);
  }
}
