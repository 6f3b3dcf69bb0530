/** One message, fully rendered, with the Message-ID derived from its job. */
export interface OutgoingMessage {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
}

interface RejectedRecipient {
  address: string;
  /** The server's reply for this recipient, e.g. `550 5.1.1 mailbox unavailable`. */
  response: string | null;
}

/** What the job's result records. */
export interface DeliveryReport {
  messageId: string;
  accepted: string[];
  rejected: RejectedRecipient[];
  /** The server's final reply (or where the file outbox wrote the message). */
  response: string;
  transport: 'smtp' | 'file';
}

/** The two ways a message leaves this process: an SMTP server, or the development file outbox. */
export interface MailSender {
  readonly kind: DeliveryReport['transport'];
  /** Resolves when the message is handed over; rejects with nodemailer's error otherwise. */
  send(message: OutgoingMessage): Promise<DeliveryReport>;
  close(): Promise<void>;
}

/** nodemailer's options for a message, the same for the SMTP and the file transport. */
export function mailOptions(message: OutgoingMessage) {
  return {
    messageId: message.messageId,
    from: message.from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    // RFC 3834: out-of-office robots must not answer notifications.
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
