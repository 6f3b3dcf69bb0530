import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExpression } from 'cron-parser';
import { z } from 'zod';
import { bool, int, list, problem } from '../fields';
import { DATA_DIR, NODE_ENV } from '../shared-variables';

/** The bare address of `Name <addr>` or `addr`; null when it is not one. */
export function mailboxAddress(value: string): string | null {
  const match = /^\s*(?:[^<>]*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(value);
  const address = match?.[1] ?? match?.[2];
  return address && z.email().safeParse(address).success ? address : null;
}

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/** The file's text when it holds a PEM certificate; otherwise what is wrong with it. */
function readPem(file: string): string | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  return text.includes('-----BEGIN CERTIFICATE-----')
    ? text
    : { problem: `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const emailSection = z
  .object({
    NODE_ENV,
    DATA_DIR,
    SMTP_HOST: z.string().optional(),
    SMTP_PORT: int(1, 65535).optional(),
    SMTP_SECURE: bool.default(false),
    SMTP_USER: z.string().optional(),
    SMTP_PASSWORD: z.string().optional(),
    SMTP_CONNECTION_TIMEOUT_MS: int(100, 600_000).default(10_000),
    SMTP_GREETING_TIMEOUT_MS: int(100, 600_000).default(10_000),
    SMTP_SOCKET_TIMEOUT_MS: int(100, 600_000).default(30_000),
    SMTP_TLS_CA: z.string().optional(),
    SMTP_TLS_REJECT_UNAUTHORIZED: bool.default(true),
    SMTP_REQUIRE_TLS: bool.default(false),
    SMTP_IGNORE_TLS: bool.default(false),
    EMAIL_FROM: z
      .string()
      .default('Ethico <no-reply@ethico.localhost>')
      .refine((v) => mailboxAddress(v) !== null, { error: 'must be an address, optionally with a name: Ethico <no-reply@example.com>' }),
    EMAIL_OUTBOX_DIR: z.string().optional(),
    DLQ_DIGEST_CRON: z.string().trim().min(1).default('0 8 * * *'),
    DLQ_DIGEST_TZ: z.string().default('UTC').refine(isTimeZone, { error: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
    OPS_ALERT_EMAIL: z.email({ error: 'must be a valid email address' }).optional(),
    EMAIL_ALLOWED_RECIPIENT_DOMAINS: z
      .string()
      .optional()
      .transform((v) => list(v ?? '').map((d) => d.toLowerCase()))
      .refine((domains) => domains.every((d) => DOMAIN.test(d)), {
        error: 'must be a comma-separated list of domains such as example.com,example.org',
      }),
  })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV === 'production' && !e.SMTP_HOST) {
      problem(ctx, 'SMTP_HOST', 'must be set when NODE_ENV=production (the file outbox is for development)');
    }
    if (Boolean(e.SMTP_USER) !== Boolean(e.SMTP_PASSWORD)) problem(ctx, 'SMTP_USER, SMTP_PASSWORD', 'set both or neither');
    if (e.SMTP_REQUIRE_TLS && e.SMTP_IGNORE_TLS) problem(ctx, 'SMTP_REQUIRE_TLS, SMTP_IGNORE_TLS', 'set at most one of them');
    if (e.SMTP_SECURE && e.SMTP_IGNORE_TLS)
      problem(ctx, 'SMTP_SECURE, SMTP_IGNORE_TLS', 'SMTP_SECURE=true is TLS from the first byte; it cannot be ignored');
    if (e.SMTP_TLS_CA) {
      const pem = readPem(e.SMTP_TLS_CA);
      if (typeof pem !== 'string') problem(ctx, 'SMTP_TLS_CA', pem.problem);
    }
    try {
      parseExpression(e.DLQ_DIGEST_CRON, { tz: e.DLQ_DIGEST_TZ });
    } catch (err) {
      problem(ctx, 'DLQ_DIGEST_CRON', `not a cron expression (${(err as Error).message})`);
    }
  })
  .transform((e) => ({
    /** The From header, e.g. `Ethico <no-reply@example.com>`. */
    from: e.EMAIL_FROM,
    /** null: no SMTP server configured, messages go to outboxDir as .eml files. */
    smtp: e.SMTP_HOST
      ? {
          host: e.SMTP_HOST,
          port: e.SMTP_PORT ?? (e.SMTP_SECURE ? 465 : 587),
          secure: e.SMTP_SECURE,
          auth: e.SMTP_USER && e.SMTP_PASSWORD ? { user: e.SMTP_USER, password: e.SMTP_PASSWORD } : undefined,
          connectionTimeoutMs: e.SMTP_CONNECTION_TIMEOUT_MS,
          greetingTimeoutMs: e.SMTP_GREETING_TIMEOUT_MS,
          socketTimeoutMs: e.SMTP_SOCKET_TIMEOUT_MS,
          tls: {
            /** PEM certificates trusted in addition to the system's (a private CA, a self-signed server). */
            ca: e.SMTP_TLS_CA ? (readPem(e.SMTP_TLS_CA) as string) : undefined,
            caFile: e.SMTP_TLS_CA,
            rejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED,
            /** STARTTLS: 'require' fails when the server does not offer it, 'ignore' never uses it, 'opportunistic' uses it when offered. */
            starttls: e.SMTP_REQUIRE_TLS ? ('require' as const) : e.SMTP_IGNORE_TLS ? ('ignore' as const) : ('opportunistic' as const),
          },
        }
      : null,
    outboxDir: e.EMAIL_OUTBOX_DIR ?? join(e.DATA_DIR, 'outbox'),
    digest: { cron: e.DLQ_DIGEST_CRON, timezone: e.DLQ_DIGEST_TZ, to: e.OPS_ALERT_EMAIL },
    /** Where mail enqueued over the HTTP API may go (exact domains, lower case); empty: nowhere. */
    allowedRecipientDomains: e.EMAIL_ALLOWED_RECIPIENT_DOMAINS,
  }));

type EmailConfig = z.infer<typeof emailSection>;
export type SmtpConfig = NonNullable<EmailConfig['smtp']>;
