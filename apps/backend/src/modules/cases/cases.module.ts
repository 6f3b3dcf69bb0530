import { Module } from '@nestjs/common';
import { AiModule } from '../ai/ai.module';
import { JobsModule } from '../jobs/jobs.module';
import { CaseEventsListener } from './case-events.listener';
import { CasesService } from './cases.service';

/**
 * Cases and their follow-up jobs. Imported only where HTTP is served (ApiModule): the writes, and
 * so the in-process events and their listener, happen there.
 */
@Module({
  imports: [JobsModule, AiModule],
  providers: [CasesService, CaseEventsListener],
  exports: [CasesService],
})
export class CasesModule {}
