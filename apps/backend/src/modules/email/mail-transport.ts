import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig, SmtpConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { FileOutboxSender } from './file-outbox-sender';
import type { DeliveryReport, MailSender, OutgoingMessage } from './mail-sender';
import { SmtpSender } from './smtp-sender';

function describeTls(smtp: SmtpConfig): string {
  const mode = smtp.secure
    ? 'TLS on connect'
    : { require: 'STARTTLS required', ignore: 'no TLS', opportunistic: 'STARTTLS when offered' }[smtp.tls.starttls];
  if (!smtp.secure && smtp.tls.starttls === 'ignore') return mode;
  const trust = !smtp.tls.rejectUnauthorized ? 'certificate not verified' : smtp.tls.caFile ? `trusting ${smtp.tls.caFile}` : 'system CAs';
  return `${mode}, ${trust}`;
}

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
        ? `delivering through ${smtp.host}:${smtp.port} (${describeTls(smtp)})`
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
