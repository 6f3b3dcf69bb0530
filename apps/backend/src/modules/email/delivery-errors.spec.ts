import { UnrecoverableError } from 'bullmq';
import type { NodemailerError } from 'nodemailer';
import { classifyDeliveryError, deliveryError } from './delivery-errors';

/** Errors shaped as nodemailer reports them (code, responseCode, permanent, originalCode). */
const err = (message: string, props: Partial<NodemailerError>): NodemailerError => Object.assign(new Error(message), props);

describe('classifyDeliveryError', () => {
  it.each([
    ['connection refused', err('connect ECONNREFUSED 127.0.0.1:2525', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }), 'transient'],
    ['connection reset', err('read ECONNRESET', { code: 'ESOCKET', originalCode: 'ECONNRESET' }), 'transient'],
    ['connection closed', err('Connection closed unexpectedly', { code: 'ECONNECTION' }), 'transient'],
    ['greeting timeout', err('Greeting never received', { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }), 'transient'],
    ['DNS failure', err('getaddrinfo EAI_AGAIN smtp.example.com', { code: 'EDNS' }), 'transient'],
    ['421 service unavailable', err('421 too busy', { code: 'EPROTOCOL', responseCode: 421, permanent: false }), 'transient'],
    ['450 mailbox busy', err('450 mailbox busy', { code: 'EENVELOPE', responseCode: 450, permanent: false }), 'transient'],
    ['451 local error', err('451 try later', { code: 'EMESSAGE', responseCode: 451, permanent: false }), 'transient'],
    ['454 temporary auth failure', err('454 4.7.0 try later', { code: 'EAUTH', responseCode: 454, permanent: false }), 'transient'],
    ['503 bad sequence', err('503 bad sequence', { code: 'EPROTOCOL', responseCode: 503, permanent: false }), 'transient'],
    ['550 no such user', err('550 5.1.1 no such user', { code: 'EENVELOPE', responseCode: 550, permanent: true }), 'permanent'],
    ['553 bad address', err('553 5.1.3 bad address', { code: 'EENVELOPE', responseCode: 553, permanent: true }), 'permanent'],
    ['554 rejected', err('554 5.7.1 rejected', { code: 'EMESSAGE', responseCode: 554, permanent: true }), 'permanent'],
    ['535 bad credentials', err('Invalid login: 535 5.7.8', { code: 'EAUTH', responseCode: 535, permanent: true }), 'permanent'],
    ['no auth mechanism', err('Authentication failed', { code: 'EAUTH' }), 'permanent'],
    ['missing credentials', err('Missing credentials for "PLAIN"', { code: 'ENOAUTH' }), 'permanent'],
    ['address refused locally', err('Invalid recipient "x"', { code: 'EENVELOPE' }), 'permanent'],
    [
      'untrusted certificate',
      err('unable to verify the first certificate', { code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
      'permanent',
    ],
    ['self-signed over STARTTLS', err('Error initiating TLS - self-signed certificate', { code: 'ETLS' }), 'permanent'],
    ['expired certificate', err('certificate has expired', { code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED' }), 'permanent'],
    [
      'certificate for another name',
      err("Hostname/IP does not match certificate's altnames", { code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' }),
      'permanent',
    ],
    [
      'STARTTLS refused',
      err('Error upgrading connection with STARTTLS: 502 no', { code: 'ETLS', responseCode: 502, permanent: true }),
      'permanent',
    ],
    [
      '454 TLS not available now',
      err('Error upgrading connection with STARTTLS: 454 try later', { code: 'ETLS', responseCode: 454, permanent: false }),
      'transient',
    ],
    ['closed during the handshake', err('Connection closed unexpectedly', { code: 'ETLS' }), 'transient'],
  ] as const)('%s is %s', (_name, error, expected) => {
    expect(classifyDeliveryError(error)).toBe(expected);
  });
});

describe('deliveryError', () => {
  it('keeps codes and the server reply, and only permanent failures are unrecoverable', () => {
    const transient = deliveryError(err('connect ECONNREFUSED 127.0.0.1:2525', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }));
    expect(transient).not.toBeInstanceOf(UnrecoverableError);
    expect(transient.message).toBe('email delivery failed, will retry: ESOCKET/ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:2525');

    const permanent = deliveryError(
      err("Can't send mail - all recipients were rejected: 550 5.1.1 no such user", {
        code: 'EENVELOPE',
        responseCode: 550,
        permanent: true,
      }),
    );
    expect(permanent).toBeInstanceOf(UnrecoverableError);
    expect(permanent.message).toContain('550 5.1.1 no such user');
  });
});
