import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { FileOutboxSender } from './file-outbox-sender';
import type { DeliveryReport, MailSender, OutgoingMessage } from './mail-sender';
import { SmtpSender } from './smtp-sender';

/**
 * The process's one way out for mail, chosen by configuration: SMTP when SMTP_HOST is set, the
 * file outbox otherwise. Closed on shutdown, after the messages it is sending are done.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly sender: MailSender;

  constructor(@InjectConfig() config: AppConfig) {
    const { smtp, outboxDir } = config.email;
    this.sender = smtp ? new SmtpSender(smtp) : new FileOutboxSender(outboxDir);
    new Logger('Email').log(
      smtp
        ? `delivering through ${smtp.host}:${smtp.port}${smtp.secure ? ' (TLS)' : ''}`
        : `SMTP_HOST is not set: writing messages as .eml files to ${outboxDir}`,
    );
  }

  get kind(): MailSender['kind'] {
    return this.sender.kind;
  }

  send(message: OutgoingMessage): Promise<DeliveryReport> {
    return this.sender.send(message);
  }

  onApplicationShutdown(): Promise<void> {
    return this.sender.close();
  }
}
