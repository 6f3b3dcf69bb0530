import { ConfigValidationError, loadConfiguration, mailboxAddress } from './configuration';

const db = { DATABASE_URL: 'postgres://localhost:5432/ethico' };

const problems = (env: Record<string, string>) => {
  try {
    loadConfiguration({ ...db, ...env });
    return [];
  } catch (err) {
    return (err as ConfigValidationError).problems;
  }
};

describe('email configuration', () => {
  it('defaults to the file outbox under DATA_DIR and a daily 08:00 UTC digest with no recipient', () => {
    const { email } = loadConfiguration(db);
    expect(email).toEqual({
      from: 'Ethico <no-reply@ethico.localhost>',
      smtp: null,
      outboxDir: '.data/outbox',
      digest: { cron: '0 8 * * *', timezone: 'UTC', to: undefined },
      allowedRecipientDomains: [],
    });
  });

  it('reads the recipient domains allowed over the API, lower-cased, and refuses what is not a domain', () => {
    const domains = (v: string) => loadConfiguration({ ...db, EMAIL_ALLOWED_RECIPIENT_DOMAINS: v }).email.allowedRecipientDomains;
    expect(domains(' Example.com, partner.example.org ,')).toEqual(['example.com', 'partner.example.org']);
    expect(() => domains('example.com,*.evil.test')).toThrow(/EMAIL_ALLOWED_RECIPIENT_DOMAINS/);
    expect(() => domains('a@example.com')).toThrow(/EMAIL_ALLOWED_RECIPIENT_DOMAINS/);
  });

  it('builds the SMTP settings, with the port following SMTP_SECURE unless given', () => {
    const smtp = (env: Record<string, string>) => loadConfiguration({ ...db, SMTP_HOST: 'smtp.example.com', ...env }).email.smtp;
    expect(smtp({})).toEqual({
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      auth: undefined,
      connectionTimeoutMs: 10_000,
      greetingTimeoutMs: 10_000,
      socketTimeoutMs: 30_000,
      tls: { ca: undefined, caFile: undefined, rejectUnauthorized: true, starttls: 'opportunistic' },
    });
    expect(smtp({ SMTP_SECURE: 'true' })?.port).toBe(465);
    expect(smtp({ SMTP_REQUIRE_TLS: 'true', SMTP_TLS_REJECT_UNAUTHORIZED: 'false' })?.tls).toMatchObject({
      starttls: 'require',
      rejectUnauthorized: false,
    });
    expect(smtp({ SMTP_IGNORE_TLS: 'yes' })?.tls.starttls).toBe('ignore');
    expect(smtp({ SMTP_PORT: '' })?.port).toBe(587); // an empty line in .env means unset
    expect(smtp({ SMTP_PORT: '1025', SMTP_USER: 'u', SMTP_PASSWORD: 'p', SMTP_GREETING_TIMEOUT_MS: '500' })).toMatchObject({
      port: 1025,
      auth: { user: 'u', password: 'p' },
      greetingTimeoutMs: 500,
    });
  });

  it.each([
    [{ SMTP_PORT: 'abc' }, 'SMTP_PORT'],
    [{ SMTP_SECURE: 'maybe' }, 'SMTP_SECURE'],
    [{ SMTP_USER: 'u' }, 'SMTP_USER, SMTP_PASSWORD'],
    [{ SMTP_REQUIRE_TLS: 'true', SMTP_IGNORE_TLS: 'true' }, 'SMTP_REQUIRE_TLS, SMTP_IGNORE_TLS'],
    [{ SMTP_SECURE: 'true', SMTP_IGNORE_TLS: 'true' }, 'SMTP_SECURE, SMTP_IGNORE_TLS'],
    [{ SMTP_TLS_CA: '/nonexistent/ca.pem' }, 'SMTP_TLS_CA'],
    [{ SMTP_TLS_REJECT_UNAUTHORIZED: 'nope' }, 'SMTP_TLS_REJECT_UNAUTHORIZED'],
    [{ SMTP_SOCKET_TIMEOUT_MS: '5' }, 'SMTP_SOCKET_TIMEOUT_MS'],
    [{ EMAIL_FROM: 'not an address' }, 'EMAIL_FROM'],
    [{ OPS_ALERT_EMAIL: 'ops' }, 'OPS_ALERT_EMAIL'],
    [{ DLQ_DIGEST_CRON: 'every morning' }, 'DLQ_DIGEST_CRON'],
    [{ DLQ_DIGEST_TZ: 'Mars/Olympus' }, 'DLQ_DIGEST_TZ'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ADMIN_PASSWORD: 'y'.repeat(16) }, 'SMTP_HOST'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(problems(env).some((p) => p.startsWith(`${variable}:`))).toBe(true);
  });

  it('reads the bare address of a From header', () => {
    expect(mailboxAddress('Ethico Alerts <alerts@ethico.example>')).toBe('alerts@ethico.example');
    expect(mailboxAddress('alerts@ethico.example')).toBe('alerts@ethico.example');
    expect(mailboxAddress('Ethico <>')).toBeNull();
  });
});
