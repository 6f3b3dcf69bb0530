import nodemailer, { NodemailerError, SMTPPoolSentMessageInfo, Transporter } from 'nodemailer';
import type { SmtpConfig } from '../../config/configuration';
import { DeliveryReport, MailSender, OutgoingMessage, mailOptions } from './mail-sender';

/**
 * One pooled SMTP transport per process: connections are reused across jobs instead of a TCP and
 * TLS handshake per message. Every wait is bounded (connect, greeting, idle socket), so a stuck
 * server fails the attempt instead of holding a worker forever.
 */
export class SmtpSender implements MailSender {
  readonly kind = 'smtp' as const;
  private readonly transport: Transporter<SMTPPoolSentMessageInfo>;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(config: SmtpConfig) {
    this.transport = nodemailer.createTransport({
      pool: true,
      host: config.host,
      port: config.port,
      secure: config.secure,
      auth: config.auth ? { user: config.auth.user, pass: config.auth.password } : undefined,
      connectionTimeout: config.connectionTimeoutMs,
      greetingTimeout: config.greetingTimeoutMs,
      socketTimeout: config.socketTimeoutMs,
      requireTLS: config.tls.starttls === 'require',
      ignoreTLS: config.tls.starttls === 'ignore',
      tls: { ca: config.tls.ca, rejectUnauthorized: config.tls.rejectUnauthorized },
      // Retrying is BullMQ's job (attempts, backoff, dead letters); a pool that silently re-sends
      // after a dropped connection would hide attempts from the job's history.
      maxRequeues: 0,
      logger: false,
    });
  }

  async send(message: OutgoingMessage): Promise<DeliveryReport> {
    const sending = this.transport.sendMail(mailOptions(message));
    this.inFlight.add(sending);
    try {
      const info = await sending;
      const rejectedErrors = (info as { rejectedErrors?: NodemailerError[] }).rejectedErrors ?? [];
      return {
        messageId: info.messageId,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map((address) => ({
          address: String(address),
          response: rejectedErrors.find((e) => e.recipient === address)?.response ?? null,
        })),
        response: info.response,
        transport: 'smtp',
      };
    } finally {
      this.inFlight.delete(sending);
    }
  }

  /** Lets messages already handed to the pool finish (each bounded by the socket timeout), then closes it. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.transport.close();
  }
}
