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

// ai
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim().replace(/\/$/, '')))
  .refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), { error: 'must be an http(s) URL' });

/** US dollars per million tokens. */
const price = z.coerce.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).max(10_000);

export const AI_PROVIDER_NAMES = ['anthropic', 'openai', 'local'] as const;
export type AiProviderName = (typeof AI_PROVIDER_NAMES)[number];
/** Kept literal (like WORKER_QUEUE_NAMES) so config has no dependency on the jobs module. */
export type AiTimeoutJobType = 'generate-summary' | 'translate' | 'categorize' | 'note-cleanup';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { error: 'must be one of fatal, error, warn, info, debug, trace' })
    .default('info'),
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
      const names = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
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
  WORKER_YIELD_LAG_MS: int(0, 1_000).default(5),

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
  DATABASE_JOB_POOL_MAX: int(1, 200).default(10),
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
  DLQ_DIGEST_TZ: z.string().default('UTC').refine(isTimeZone, { error: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
  OPS_ALERT_EMAIL: optionalString.pipe(z.email({ error: 'must be a valid email address' }).optional()),
  SEARCH_REINDEX_BATCH_SIZE: int(10, 10_000).default(500),
  SEARCH_REINDEX_PAUSE_MS: int(0, 60_000).default(25),
  SEARCH_MAX_QUERY_LENGTH: int(16, 2_000).default(256),

  // ai
  AI_PROVIDERS: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl.default('https://api.anthropic.com'),
  ANTHROPIC_MODEL: z.string().min(1).default('claude-haiku-4-5'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  AI_TIMEOUT_MS: int(100, 600_000).default(30_000),
  AI_TIMEOUT_SUMMARY_MS: int(100, 600_000).optional(),
  AI_TIMEOUT_TRANSLATE_MS: int(100, 600_000).optional(),
  AI_TIMEOUT_CATEGORIZE_MS: int(100, 600_000).optional(),
  AI_TIMEOUT_NOTE_CLEANUP_MS: int(100, 600_000).optional(),
  AI_RATE_LIMIT_MAX: int(1, 1_000_000).default(50),
  AI_RATE_LIMIT_DURATION_MS: int(100, 3_600_000).default(60_000),
  AI_MAX_RATE_LIMIT_WAIT_MS: int(0, 3_600_000).default(120_000),
  AI_SUMMARY_MAX_CHARS: int(100, 20_000).default(1_200),
  AI_PRICE_ANTHROPIC_INPUT_PER_MTOK: price.default(1),
  AI_PRICE_ANTHROPIC_OUTPUT_PER_MTOK: price.default(5),
  AI_PRICE_OPENAI_INPUT_PER_MTOK: price.default(0.15),
  AI_PRICE_OPENAI_OUTPUT_PER_MTOK: price.default(0.6),

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

/** Every variable the configuration reads (for the documentation check). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type RawEnv = Record<string, string | undefined>;

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  http: { host: string; port: number; bodyLimit: string; publicUrl: string };
  dataDir: string;
  role: AppRole;
  workerQueues: WorkerQueueName[];
  /** APP_ROLE=all: cut worker concurrency while requests are served and the event loop is later than this (0: never). */
  workerYield: { lagMs: number };
  shutdownTimeoutMs: number;
  redis: { host: string; port: number; password?: string; db: number };
  database: { url: string; poolMax: number; jobPoolMax: number; statementTimeoutMs: number };
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
  search: { reindexBatchSize: number; reindexPauseMs: number; maxQueryLength: number };
  email: EmailConfig;
  ai: AiConfig;
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

// ai
export interface AiConfig {
  /** The provider chain, tried in this order within each attempt. */
  providers: AiProviderName[];
  anthropic: { apiKey?: string; baseUrl: string; model: string };
  openai: { apiKey?: string; baseUrl?: string; model: string };
  /** Per provider call, by job type. */
  timeoutMs: Record<AiTimeoutJobType, number>;
  rateLimit: { max: number; durationMs: number };
  /** A provider's retry-after up to this long pauses the queue; a longer one counts as a failed attempt. */
  maxRateLimitWaitMs: number;
  summaryMaxChars: number;
  /** US dollars per million tokens. */
  prices: Record<Exclude<AiProviderName, 'local'>, { inputPerMTok: number; outputPerMTok: number }>;
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
    throw new ConfigValidationError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
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
  const ai = aiConfig(e, problems);
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
    workerYield: { lagMs: e.WORKER_YIELD_LAG_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    redis: { host: e.REDIS_HOST, port: e.REDIS_PORT, password: e.REDIS_PASSWORD, db: e.REDIS_DB },
    database: {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX,
      jobPoolMax: e.DATABASE_JOB_POOL_MAX,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    queue: { prefix: e.QUEUE_PREFIX, enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS },
    auth: { jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET },
    admin: {
      username: e.ADMIN_USERNAME,
      password: adminPassword,
      // With ADMIN_USERS and no ADMIN_PASSWORD there is no pair account, so nothing generated to print.
      passwordGenerated: e.ADMIN_PASSWORD === undefined && pairEnabled,
      accounts: [
        ...(pairEnabled
          ? [{ name: e.ADMIN_USERNAME, role: 'operator' as const, secret: { scheme: 'plain' as const, password: adminPassword } }]
          : []),
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
    search: {
      reindexBatchSize: e.SEARCH_REINDEX_BATCH_SIZE,
      reindexPauseMs: e.SEARCH_REINDEX_PAUSE_MS,
      maxQueryLength: e.SEARCH_MAX_QUERY_LENGTH,
    },
    ai,
  };
}

// ai
function aiConfig(e: z.infer<typeof envSchema>, problems: string[]): AiConfig {
  const openaiUsable = Boolean(e.OPENAI_API_KEY || e.OPENAI_BASE_URL);
  let providers: AiProviderName[];
  if (e.AI_PROVIDERS === undefined) {
    // Without a key the offline provider is the default, so AI features work out of the box.
    providers = [...(e.ANTHROPIC_API_KEY ? ['anthropic' as const] : []), ...(openaiUsable ? ['openai' as const] : [])];
    if (providers.length === 0) providers = ['local'];
  } else {
    const names = e.AI_PROVIDERS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(AI_PROVIDER_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0) {
      problems.push(`AI_PROVIDERS: unknown provider(s) ${unknown.join(', ') || '(none given)'}; allowed: ${AI_PROVIDER_NAMES.join(', ')}`);
    }
    if (new Set(names).size !== names.length) problems.push('AI_PROVIDERS: must not name a provider twice');
    providers = names.filter((n): n is AiProviderName => (AI_PROVIDER_NAMES as readonly string[]).includes(n));
    if (providers.includes('anthropic') && !e.ANTHROPIC_API_KEY) {
      problems.push('ANTHROPIC_API_KEY: must be set when AI_PROVIDERS includes anthropic');
    }
    if (providers.includes('openai') && !openaiUsable) {
      problems.push(
        'OPENAI_API_KEY: must be set (or OPENAI_BASE_URL, for a keyless endpoint such as Ollama) when AI_PROVIDERS includes openai',
      );
    }
  }
  return {
    providers,
    anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL, model: e.ANTHROPIC_MODEL },
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    timeoutMs: {
      'generate-summary': e.AI_TIMEOUT_SUMMARY_MS ?? e.AI_TIMEOUT_MS,
      translate: e.AI_TIMEOUT_TRANSLATE_MS ?? e.AI_TIMEOUT_MS,
      categorize: e.AI_TIMEOUT_CATEGORIZE_MS ?? e.AI_TIMEOUT_MS,
      'note-cleanup': e.AI_TIMEOUT_NOTE_CLEANUP_MS ?? e.AI_TIMEOUT_MS,
    },
    rateLimit: { max: e.AI_RATE_LIMIT_MAX, durationMs: e.AI_RATE_LIMIT_DURATION_MS },
    maxRateLimitWaitMs: e.AI_MAX_RATE_LIMIT_WAIT_MS,
    summaryMaxChars: e.AI_SUMMARY_MAX_CHARS,
    prices: {
      anthropic: { inputPerMTok: e.AI_PRICE_ANTHROPIC_INPUT_PER_MTOK, outputPerMTok: e.AI_PRICE_ANTHROPIC_OUTPUT_PER_MTOK },
      openai: { inputPerMTok: e.AI_PRICE_OPENAI_INPUT_PER_MTOK, outputPerMTok: e.AI_PRICE_OPENAI_OUTPUT_PER_MTOK },
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
