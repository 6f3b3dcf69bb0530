import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './harness/app';
import { caseAssigned, deadLetterOf, emailQueue, settled, startEmailWorker } from './harness/email';
import { makeCertificates, SmtpBehaviour, startSmtpServer, TestSmtpServer } from './harness/smtp';
import { testConfig } from './harness/config';

/**
 * SMTP over TLS against a real server whose certificate comes from a private, self-signed CA, as a
 * stock Debian exim or a company relay presents it: untrusted by default, which is configuration,
 * so the job goes to the dead-letter queue at once with the setting to change; trusted with SMTP_TLS_CA.
 */
describe('email delivery over TLS', () => {
  const dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'smtp-tls-'));
  const certs = makeCertificates(dir);
  const FAST = { attempts: 3, backoff: { type: 'exponential', delay: 100 } } as const;
  let smtp: TestSmtpServer | undefined;
  let app: TestApp | undefined;

  async function start(behaviour: SmtpBehaviour, env: Record<string, string> = {}) {
    smtp = await startSmtpServer(behaviour);
    app = await startEmailWorker(smtp.env(env));
    return { smtp, app, queue: emailQueue(app) };
  }
  const starttls = { tls: { key: certs.key, cert: certs.cert } };

  afterEach(async () => {
    await app?.close();
    await smtp?.close();
    app = smtp = undefined;
  });

  it('STARTTLS with an untrusted certificate: one attempt, dead letter naming SMTP_TLS_CA', async () => {
    const { smtp, app, queue } = await start(starttls);
    const job = await queue.add('send-email', caseAssigned(), FAST);
    const entry = await deadLetterOf(app, job.id!);
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toMatch(/TLS configuration: .*not trusted: set SMTP_TLS_CA/);
    expect(smtp.received).toHaveLength(0);
  });

  it('STARTTLS with SMTP_TLS_CA: delivered, encrypted', async () => {
    const { smtp, queue } = await start(starttls, { SMTP_TLS_CA: certs.caFile });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    expect(await (await settled(queue, job.id!)).getState()).toBe('completed');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.receivedOverTls).toBe(1);
  });

  it('SMTP_TLS_REJECT_UNAUTHORIZED=false: delivered over TLS without verifying', async () => {
    const { smtp, queue } = await start(starttls, { SMTP_TLS_REJECT_UNAUTHORIZED: 'false' });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    expect(await (await settled(queue, job.id!)).getState()).toBe('completed');
    expect(smtp.receivedOverTls).toBe(1);
  });

  it('SMTP_IGNORE_TLS=true: delivered in plain text although STARTTLS is offered', async () => {
    const { smtp, queue } = await start(starttls, { SMTP_IGNORE_TLS: 'true' });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    expect(await (await settled(queue, job.id!)).getState()).toBe('completed');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.receivedOverTls).toBe(0);
  });

  it('SMTP_REQUIRE_TLS=true against a server without STARTTLS: one attempt, dead letter naming the setting', async () => {
    const { smtp, app, queue } = await start({}, { SMTP_REQUIRE_TLS: 'true' });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    const entry = await deadLetterOf(app, job.id!);
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toMatch(/TLS configuration: .*SMTP_REQUIRE_TLS/);
    expect(smtp.received).toHaveLength(0);
  });

  it('implicit TLS (SMTP_SECURE=true) with SMTP_TLS_CA: delivered; without it: dead letter', async () => {
    const ok = await start({ tls: { ...starttls.tls, implicit: true } }, { SMTP_SECURE: 'true', SMTP_TLS_CA: certs.caFile });
    const job = await ok.queue.add('send-email', caseAssigned(), FAST);
    expect(await (await settled(ok.queue, job.id!)).getState()).toBe('completed');
    expect(ok.smtp.receivedOverTls).toBe(1);
    await app!.close();
    app = await startEmailWorker(ok.smtp.env({ SMTP_SECURE: 'true' }));
    const failing = await emailQueue(app).add('send-email', caseAssigned(), FAST);
    const entry = await deadLetterOf(app, failing.id!);
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toContain('SMTP_TLS_CA');
  });

  it('SMTP_SECURE=true against a plain-text server: dead letter saying to set SMTP_SECURE=false', async () => {
    const { app, queue } = await start({}, { SMTP_SECURE: 'true' });
    const job = await queue.add('send-email', caseAssigned(), FAST);
    const entry = await deadLetterOf(app, job.id!);
    expect(entry.attemptsMade).toBe(1);
    expect(entry.failedReason).toContain('SMTP_SECURE=false');
  });

  it('refuses a CA file that is missing or not PEM, and contradictory modes, at start', () => {
    const bad = join(dir, 'not-a-cert.txt');
    writeFileSync(bad, 'hello');
    const base = { SMTP_HOST: 'mail.example.com' };
    expect(() => testConfig({ ...base, SMTP_TLS_CA: join(dir, 'missing.pem') })).toThrow(/SMTP_TLS_CA: cannot read .*ENOENT/);
    expect(() => testConfig({ ...base, SMTP_TLS_CA: bad })).toThrow(/SMTP_TLS_CA: .* holds no PEM certificate/);
    expect(() => testConfig({ ...base, SMTP_REQUIRE_TLS: 'true', SMTP_IGNORE_TLS: 'true' })).toThrow(/SMTP_REQUIRE_TLS, SMTP_IGNORE_TLS/);
    expect(testConfig({ ...base, SMTP_TLS_CA: certs.caFile }).email.smtp!.tls).toMatchObject({
      ca: certs.ca,
      rejectUnauthorized: true,
      starttls: 'opportunistic',
    });
  });
});
