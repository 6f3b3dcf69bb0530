import { UnrecoverableError } from 'bullmq';
import type { NodemailerError } from 'nodemailer';

export type FailureClass = 'transient' | 'permanent';

/**
 * Whether sending the same message again can succeed. Nodemailer marks SMTP replies with
 * `permanent` (5xx except 503); connection problems (refused, reset, timeouts, no greeting) and
 * 4xx replies such as 421/450/451 carry no such mark and are worth retrying. Authentication is
 * permanent unless the server said it was temporary (454): a wrong password does not heal itself.
 */
export function classifyDeliveryError(err: NodemailerError): FailureClass {
  const reply = err.responseCode;
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') return reply !== undefined && reply < 500 ? 'transient' : 'permanent';
  if (err.permanent === true) return 'permanent';
  // Refused before any server saw it (an address nodemailer cannot use): the same input fails again.
  if (err.code === 'EENVELOPE' && reply === undefined) return 'permanent';
  if (err.code === 'ECONFIG') return 'permanent';
  return 'transient';
}

/**
 * The error the job fails with: a plain Error lets BullMQ retry with the queue's backoff; an
 * UnrecoverableError ends the job at once and the failure listener files it in the dead-letter queue.
 * The message keeps the code (ECONNREFUSED, ETIMEDOUT, ...) and the server's reply for operators.
 */
export function deliveryError(err: NodemailerError): Error {
  const code = [err.code, err.originalCode].filter(Boolean).join('/');
  const detail = `${code ? `${code}: ` : ''}${err.message}`;
  return classifyDeliveryError(err) === 'permanent'
    ? new UnrecoverableError(`email rejected permanently: ${detail}`)
    : Object.assign(new Error(`email delivery failed, will retry: ${detail}`, { cause: err }), { name: 'EmailDeliveryError' });
}
