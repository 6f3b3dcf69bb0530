import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AiUsageController } from '../modules/ai/ai-usage.controller';
import { AiController } from '../modules/ai/ai.controller';
import { AiModule } from '../modules/ai/ai.module';
import { CasesController } from '../modules/cases/cases.controller';
import { CasesModule } from '../modules/cases/cases.module';
import { QueueDashboardModule } from '../modules/jobs/admin/bull-board.controller';
import { DeadLetterController } from '../modules/admin/dead-letter.controller';
import { FairnessController } from '../modules/admin/fairness.controller';
import { JobsController } from '../modules/jobs/jobs.controller';
import { JobsModule } from '../modules/jobs/jobs.module';
import { AdminModule } from '../modules/admin/admin.module';
import { SchedulesController } from '../modules/schedules/schedules.controller';
import { SchedulesModule } from '../modules/schedules/schedules.module';
import { SchedulesConsoleController } from '../modules/admin/console/schedules-console.controller';
import { ReportsController } from '../modules/reports/reports.controller';
import { ReportsModule } from '../modules/reports/reports.module';
import { SearchController } from '../modules/search/search.controller';
import { SearchModule } from '../modules/search/search.module';
import { HttpExceptionFilter } from './http-exception.filter';
import { DocsController } from './openapi/docs.controller';

/** Everything that serves HTTP: the public API, the admin API and the dashboard. */
@Module({
  imports: [JobsModule, QueueDashboardModule, CasesModule, SearchModule, AiModule, AdminModule, SchedulesModule, ReportsModule],
  controllers: [
    JobsController,
    DeadLetterController,
    FairnessController,
    CasesController,
    SearchController,
    AiController,
    AiUsageController,
    SchedulesController,
    // Kept out of AdminModule while its console is being reworked; it reads SchedulesModule's service.
    SchedulesConsoleController,
    DocsController,
    ReportsController,
  ],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
export class ApiModule {}
