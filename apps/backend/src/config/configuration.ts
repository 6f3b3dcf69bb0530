import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseExpression } from 'cron-parser';
import { z } from 'zod';
import { AdminAccount, parseAdminUsers } from './admin-accounts';

/**
 * All configuration comes from the environment and is validated here, once, at startup.
 * Nothing else in the backend reads process.env: modules receive the typed AppConfig.
 */

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];

/** Queues a worker process may consume; kept literal here so config has no dependency on Nest modules. */
export const WORKER_QUEUE_NAMES = ['ai-processing', 'email', 'indexing'] as const;
export type WorkerQueueName = (typeof WORKER_QUEUE_NAMES)[number];

const DEV_JWT_SECRET = 'ethico-development-secret-do-not-use-in-production';

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Empty strings in .env files mean "unset". */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { error: 'must be one of fatal, error, warn, info, debug, trace' }).default('info'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  PUBLIC_URL: optionalString,
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, { error: 'must look like 100kb or 1mb' })
    .default('100kb'),

  APP_ROLE: z.enum(APP_ROLES, { error: `must be one of ${APP_ROLES.join(', ')}` }).default('all'),
  WORKER_QUEUES: z
    .string()
    .default(WORKER_QUEUE_NAMES.join(','))
    .transform((raw, ctx) => {
      const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !(WORKER_QUEUE_NAMES as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown queue(s) ${unknown.join(', ') || '(none given)'}; allowed: ${WORKER_QUEUE_NAMES.join(', ')}`,
        });
        return z.NEVER;
      }
      return [...new Set(names)] as WorkerQueueName[];
    }),
  SHUTDOWN_TIMEOUT_MS: int(0, 3_600_000).default(30_000),

  REDIS_HOST: z.string().min(1).default('localhost'),
  REDIS_PORT: int(1, 65535).default(6379),
  REDIS_PASSWORD: optionalString,
  REDIS_DB: int(0, 15).default(0),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, _ and -' })
    .default('ethico'),
  ENQUEUE_TIMEOUT_MS: int(100, 60_000).default(2_000),

  JWT_SECRET: optionalString,
  ADMIN_USERNAME: z.string().min(1).default('admin'),
  ADMIN_PASSWORD: optionalString,
  DATABASE_URL: z
    .string({ error: 'must be set (postgres://user:password@host:5432/db); `npm start` sets it for an embedded server' })
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' }),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: int(0, 3_600_000).default(30_000),
  /** Where `npm start` keeps embedded servers' data (read before validation by embedded-services.ts). */
  DATA_DIR: z.string().min(1).default('.data'),

  // search
  /** Link to a case in emails; `{id}` is replaced by the case id. Defaults to PUBLIC_URL/cases/{id}. */
  CASE_URL_TEMPLATE: optionalString.refine((v) => v === undefined || (/^https?:\/\//.test(v) && v.includes('{id}')), {
    error: 'must be an http(s) URL containing {id}',
  }),
  // email
  SMTP_HOST: optionalString,
  SMTP_PORT: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), int(1, 65535).optional()),
  SMTP_SECURE: bool.default(false),
  SMTP_USER: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_CONNECTION_TIMEOUT_MS: int(100, 600_000).default(10_000),
  SMTP_GREETING_TIMEOUT_MS: int(100, 600_000).default(10_000),
  SMTP_SOCKET_TIMEOUT_MS: int(100, 600_000).default(30_000),
  EMAIL_FROM: z
    .string()
    .default('Ethico <no-reply@ethico.localhost>')
    .refine((v) => mailboxAddress(v) !== null, { error: 'must be an address, optionally with a name: Ethico <no-reply@example.com>' }),
  EMAIL_OUTBOX_DIR: optionalString,
  DLQ_DIGEST_CRON: z.string().trim().min(1).default('0 8 * * *'),
  DLQ_DIGEST_TZ: z
    .string()
    .default('UTC')
    .refine(isTimeZone, { error: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
  OPS_ALERT_EMAIL: optionalString.pipe(z.email({ error: 'must be a valid email address' }).optional()),

  // operations
  METRICS_PORT: int(0, 65535).default(9464),
  ADMIN_USERS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return [];
      const { accounts, problems } = parseAdminUsers(raw);
      problems.forEach((message) => ctx.addIssue({ code: 'custom', message }));
      return problems.length ? z.NEVER : accounts;
    }),
  LOG_PRETTY: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), bool.optional()),
  LOG_FILE: optionalString,
});

export type RawEnv = Record<string, string | undefined>;

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  http: { host: string; port: number; bodyLimit: string; publicUrl: string };
  dataDir: string;
  role: AppRole;
  workerQueues: WorkerQueueName[];
  shutdownTimeoutMs: number;
  redis: { host: string; port: number; password?: string; db: number };
  database: { url: string; poolMax: number; statementTimeoutMs: number };
  queue: { prefix: string; enqueueTimeoutMs: number };
  auth: { jwtSecret: string };
  admin: {
    username: string;
    password: string;
    passwordGenerated: boolean;
    /** Everyone who may sign in to /admin: the ADMIN_USERNAME pair (an operator) and ADMIN_USERS. */
    accounts: AdminAccount[];
  };
  operations: { metricsPort: number; logPretty: boolean; logFile?: string };
  cases: { urlTemplate: string };
  email: EmailConfig;
}

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; password: string };
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
}

export interface EmailConfig {
  /** The From header, e.g. `Ethico <no-reply@example.com>`. */
  from: string;
  /** null: no SMTP server configured, messages go to outboxDir as .eml files. */
  smtp: SmtpConfig | null;
  outboxDir: string;
  digest: { cron: string; timezone: string; to?: string };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Builds the typed configuration from an environment, or throws naming every bad variable. */
export function loadConfiguration(env: RawEnv): AppConfig {
  // An empty value (`REDIS_HOST=` in an .env file) means "unset": the default applies.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    throw new ConfigValidationError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];

  if (production && (!e.JWT_SECRET || e.JWT_SECRET.length < 32)) {
    problems.push('JWT_SECRET: must be set to at least 32 characters when NODE_ENV=production');
  }
  const pairEnabled = e.ADMIN_PASSWORD !== undefined || e.ADMIN_USERS.length === 0;
  if (production && pairEnabled && (!e.ADMIN_PASSWORD || e.ADMIN_PASSWORD.length < 16)) {
    problems.push('ADMIN_PASSWORD: must be set to at least 16 characters when NODE_ENV=production');
  }
  if (pairEnabled && e.ADMIN_USERS.some((a) => a.name === e.ADMIN_USERNAME)) {
    problems.push(`ADMIN_USERS: names the user "${e.ADMIN_USERNAME}", which ADMIN_USERNAME already defines`);
  }
  if (production && !e.SMTP_HOST) {
    problems.push('SMTP_HOST: must be set when NODE_ENV=production (the file outbox is for development)');
  }
  if (Boolean(e.SMTP_USER) !== Boolean(e.SMTP_PASSWORD)) {
    problems.push('SMTP_USER, SMTP_PASSWORD: set both or neither');
  }
  try {
    parseExpression(e.DLQ_DIGEST_CRON, { tz: e.DLQ_DIGEST_TZ });
  } catch (err) {
    problems.push(`DLQ_DIGEST_CRON: not a cron expression (${(err as Error).message})`);
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);

  const adminPassword = e.ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimit: e.BODY_LIMIT,
      publicUrl,
    },
    dataDir: e.DATA_DIR,
    role: e.APP_ROLE,
    workerQueues: e.WORKER_QUEUES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    redis: { host: e.REDIS_HOST, port: e.REDIS_PORT, password: e.REDIS_PASSWORD, db: e.REDIS_DB },
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS },
    queue: { prefix: e.QUEUE_PREFIX, enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS },
    auth: { jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET },
    admin: {
      username: e.ADMIN_USERNAME,
      password: adminPassword,
      // With ADMIN_USERS and no ADMIN_PASSWORD there is no pair account, so nothing generated to print.
      passwordGenerated: e.ADMIN_PASSWORD === undefined && pairEnabled,
      accounts: [
        ...(pairEnabled ? [{ name: e.ADMIN_USERNAME, role: 'operator' as const, secret: { scheme: 'plain' as const, password: adminPassword } }] : []),
        ...e.ADMIN_USERS,
      ],
    },
    cases: { urlTemplate: e.CASE_URL_TEMPLATE ?? `${publicUrl}/cases/{id}` },
    email: {
      from: e.EMAIL_FROM,
      smtp: e.SMTP_HOST
        ? {
            host: e.SMTP_HOST,
            port: e.SMTP_PORT ?? (e.SMTP_SECURE ? 465 : 587),
            secure: e.SMTP_SECURE,
            auth: e.SMTP_USER && e.SMTP_PASSWORD ? { user: e.SMTP_USER, password: e.SMTP_PASSWORD } : undefined,
            connectionTimeoutMs: e.SMTP_CONNECTION_TIMEOUT_MS,
            greetingTimeoutMs: e.SMTP_GREETING_TIMEOUT_MS,
            socketTimeoutMs: e.SMTP_SOCKET_TIMEOUT_MS,
          }
        : null,
      outboxDir: e.EMAIL_OUTBOX_DIR ?? join(e.DATA_DIR, 'outbox'),
      digest: { cron: e.DLQ_DIGEST_CRON, timezone: e.DLQ_DIGEST_TZ, to: e.OPS_ALERT_EMAIL },
    },
    operations: {
      metricsPort: e.METRICS_PORT,
      logPretty: e.LOG_PRETTY ?? e.NODE_ENV === 'development',
      logFile: e.LOG_FILE,
    },
  };
}

/** The bare address of `Name <addr>` or `addr`; null when it is not one. */
export function mailboxAddress(value: string): string | null {
  const match = /^\s*(?:[^<>]*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(value);
  const address = match?.[1] ?? match?.[2];
  return address && z.email().safeParse(address).success ? address : null;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Nest's ConfigService view of the same object (`configService.get('redis.host')`). */
export default loadConfiguration;
