import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { DeadLetterDigestService } from './dead-letter-digest.service';
import { EmailService } from './email.service';
import { MailTransport } from './mail-transport';

/** Sending mail: templates, the process's transport, and the dead-letter digest. */
@Module({
  imports: [JobsModule],
  providers: [MailTransport, EmailService, DeadLetterDigestService],
  exports: [EmailService, DeadLetterDigestService],
})
export class EmailModule {}
