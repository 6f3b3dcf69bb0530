import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { DeadLetterDigestScheduler } from './dead-letter-digest.scheduler';
import { EmailModule } from './email.module';

/**
 * What a process that consumes the email queue adds: the digest's schedule. Kept apart from
 * EmailModule so that importing email sending elsewhere never installs schedules.
 */
@Module({
  imports: [JobsModule, EmailModule],
  providers: [DeadLetterDigestScheduler],
  exports: [EmailModule],
})
export class EmailConsumerModule {}
