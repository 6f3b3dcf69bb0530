import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AiUsageController } from '../ai/ai-usage.controller';
import { AiController } from '../ai/ai.controller';
import { AiModule } from '../ai/ai.module';
import { CasesController } from '../cases/cases.controller';
import { CasesModule } from '../cases/cases.module';
import { QueueDashboardModule } from '../jobs/admin/bull-board.module';
import { DeadLetterController } from '../jobs/dead-letter/dead-letter.controller';
import { JobsController } from '../jobs/jobs.controller';
import { JobsModule } from '../jobs/jobs.module';
import { OperationsModule } from '../operations/operations.module';
import { SearchController } from '../search/search.controller';
import { SearchModule } from '../search/search.module';
import { HttpExceptionFilter } from './http-exception.filter';

/** Everything that serves HTTP: the public API, the admin API and the dashboard. */
@Module({
  imports: [JobsModule, QueueDashboardModule, CasesModule, SearchModule, AiModule, OperationsModule],
  controllers: [JobsController, DeadLetterController, CasesController, SearchController, AiController, AiUsageController],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
export class ApiModule {}
