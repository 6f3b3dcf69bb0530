import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { DlqDigestService } from './dlq-digest.service';
import { EmailService } from './email.service';
import { MailTransport } from './mail-transport';

/** Sending mail: templates, the process's transport, and the dead-letter digest. */
@Module({
  imports: [JobsModule],
  providers: [MailTransport, EmailService, DlqDigestService],
  exports: [EmailService, DlqDigestService],
})
export class EmailModule {}
