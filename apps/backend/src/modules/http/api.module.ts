import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CasesController } from '../cases/cases.controller';
import { CasesModule } from '../cases/cases.module';
import { QueueDashboardModule } from '../jobs/admin/bull-board.module';
import { DeadLetterController } from '../jobs/dead-letter/dead-letter.controller';
import { JobsController } from '../jobs/jobs.controller';
import { JobsModule } from '../jobs/jobs.module';
import { OperationsModule } from '../operations/operations.module';
import { HttpExceptionFilter } from './http-exception.filter';

/** Everything that serves HTTP: the public API, the admin API and the dashboard. */
@Module({
  imports: [JobsModule, QueueDashboardModule, CasesModule, OperationsModule],
  controllers: [JobsController, DeadLetterController, CasesController],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
export class ApiModule {}
