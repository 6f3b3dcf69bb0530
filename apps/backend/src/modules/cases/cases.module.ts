import { Module } from '@nestjs/common';
import { AiModule } from '../ai/ai.module';
import { JobsModule } from '../jobs/jobs.module';
import { CasesService } from './cases.service';

/**
 * Cases and their follow-up jobs, staged in the job outbox with each write. Imported only where
 * HTTP is served (ApiModule): the writes happen there.
 */
@Module({
  imports: [JobsModule, AiModule],
  providers: [CasesService],
  exports: [CasesService],
})
export class CasesModule {}
