import { UnrecoverableError } from 'bullmq';
import type { NodemailerError } from 'nodemailer';

export type FailureClass = 'transient' | 'permanent';

/** Node's codes for a certificate the client does not trust; the text carries them too when nodemailer re-wraps the error. */
const UNTRUSTED =
  /DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_REJECTED|self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate/i;
const EXPIRED = /CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|certificate has expired|certificate is not yet valid/i;
const WRONG_NAME = /ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match certificate/i;
/** TLS spoken to a server that answers in plain text (implicit TLS against a STARTTLS port). */
const NOT_TLS = /ERR_SSL_WRONG_VERSION_NUMBER|wrong version number|packet length too long/i;

/**
 * A TLS failure that is configuration, not weather: the same settings fail the same way on every
 * retry, so the job should go to the dead-letter queue at once with the setting to change. Null when
 * the error is not about TLS or may heal (a 454 to STARTTLS, a connection dropped mid-handshake).
 */
function tlsConfigurationProblem(err: NodemailerError): string | null {
  const text = [err.code, err.originalCode, err.message].filter(Boolean).join(' ');
  if (UNTRUSTED.test(text)) {
    return "the SMTP server's certificate is not trusted: set SMTP_TLS_CA to the PEM file of the CA that signed it (or SMTP_TLS_REJECT_UNAUTHORIZED=false to skip verification; SMTP_IGNORE_TLS=true to not use STARTTLS)";
  }
  if (EXPIRED.test(text)) {
    return "the SMTP server's certificate is expired or not yet valid: renew it on the server (or SMTP_TLS_REJECT_UNAUTHORIZED=false to skip verification)";
  }
  if (WRONG_NAME.test(text)) {
    return "the SMTP server's certificate does not name SMTP_HOST: set SMTP_HOST to a name the certificate holds (or SMTP_TLS_REJECT_UNAUTHORIZED=false to skip verification)";
  }
  if (NOT_TLS.test(text)) {
    return 'the server does not speak TLS on connect: set SMTP_SECURE=false (STARTTLS, usually port 587) or SMTP_PORT to its TLS port (usually 465)';
  }
  if (err.code === 'ETLS') {
    if (err.responseCode !== undefined && err.responseCode < 500) return null; // 454: TLS not available right now
    if (/Connection closed unexpectedly/.test(err.message)) return null;
    if (err.responseCode !== undefined) {
      return 'the SMTP server refused STARTTLS: set SMTP_REQUIRE_TLS=false, or SMTP_IGNORE_TLS=true to send without TLS';
    }
    return 'TLS with the SMTP server failed: check SMTP_TLS_CA, SMTP_TLS_REJECT_UNAUTHORIZED, SMTP_SECURE and SMTP_IGNORE_TLS';
  }
  return null;
}

/**
 * Whether sending the same message again can succeed. Nodemailer marks SMTP replies with
 * `permanent` (5xx except 503); connection problems (refused, reset, timeouts, no greeting) and
 * 4xx replies such as 421/450/451 carry no such mark and are worth retrying. Authentication is
 * permanent unless the server said it was temporary (454): a wrong password does not heal itself.
 * A TLS failure caused by configuration (untrusted certificate, wrong mode) is permanent too.
 */
export function classifyDeliveryError(err: NodemailerError): FailureClass {
  const reply = err.responseCode;
  if (tlsConfigurationProblem(err) !== null) return 'permanent';
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
  const tls = tlsConfigurationProblem(err);
  if (tls) return new UnrecoverableError(`email not sent, TLS configuration: ${tls} (${detail})`);
  return classifyDeliveryError(err) === 'permanent'
    ? new UnrecoverableError(`email rejected permanently: ${detail}`)
    : Object.assign(new Error(`email delivery failed, will retry: ${detail}`, { cause: err }), { name: 'EmailDeliveryError' });
}
