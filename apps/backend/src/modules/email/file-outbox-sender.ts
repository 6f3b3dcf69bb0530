import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import nodemailer, { StreamSentMessageInfo, Transporter } from 'nodemailer';
import { DeliveryReport, MailSender, mailOptions, OutgoingMessage } from './mail-sender';

/**
 * The embedded default when no SMTP server is configured: each message is built exactly as it
 * would be sent and written as a complete .eml file, which any mail client opens. The file is
 * named after the Message-ID, so a retried job overwrites its own file instead of adding one.
 */
export class FileOutboxSender implements MailSender {
  readonly kind = 'file' as const;
  private readonly logger = new Logger('EmailOutbox');
  private readonly dir: string;
  private readonly builder: Transporter<StreamSentMessageInfo>;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  }

  async send(message: OutgoingMessage): Promise<DeliveryReport> {
    const info = await this.builder.sendMail(mailOptions(message));
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${message.messageId.replace(/[^A-Za-z0-9.@-]/g, '')}.eml`);
    // Written under a temporary name and renamed, so a reader never sees half a message.
    const partial = `${file}.partial`;
    await writeFile(partial, info.message as Buffer);
    await rename(partial, file);
    this.logger.log(`email to ${message.to.length} recipient(s) written to ${file}`);
    return { messageId: info.messageId, accepted: [...message.to], rejected: [], response: `written to ${file}`, transport: 'file' };
  }

  async close(): Promise<void> {
    this.builder.close();
  }
}
