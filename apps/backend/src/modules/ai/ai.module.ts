import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../../config/app-config.module';
import type { AppConfig } from '../../config/configuration';
import { JobsModule } from '../jobs/jobs.module';
import { AiCaseJobsService } from './ai-case-jobs.service';
import { AiDeadLetterListener } from './ai-dead-letter.listener';
import { AiCategoriesService } from './ai-categories.service';
import { AiContentService } from './ai-content.service';
import { buildProviders } from './ai-providers';
import { AiResultsService } from './ai-results.service';
import { AI_PROVIDERS, AiService } from './ai.service';
import { LocalThreadPool } from './local/local-thread-pool';

@Module({
  imports: [JobsModule],
  providers: [
    AiService,
    AiResultsService,
    AiCaseJobsService,
    AiDeadLetterListener,
    AiCategoriesService,
    AiContentService,
    LocalThreadPool,
    {
      provide: AI_PROVIDERS,
      inject: [APP_CONFIG, LocalThreadPool],
      useFactory: (config: AppConfig, threads: LocalThreadPool) => buildProviders(config.ai, threads),
    },
  ],
  exports: [AiService, AiResultsService, AiCategoriesService, AiCaseJobsService],
})
export class AiModule {}
