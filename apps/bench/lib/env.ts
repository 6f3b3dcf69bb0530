import type { RawEnv } from '../../backend/src/config/configuration';
import type { BenchServers } from './servers';

export const BENCH_JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password-0123';
/** Production mode requires a master key for payload sealing; a fixed one, so runs are alike. */
export const BENCH_PAYLOAD_KEYS = 'bench:YmVuY2gtbWFzdGVyLWtleS0wMTIzNDU2Nzg5YWJjZGU=';

/**
 * The environment our processes run with in benchmarks: production mode and production log level
 * (info), against the private servers; benchmarks override what they vary.
 */
export function appEnv(servers: BenchServers, overrides: RawEnv = {}): RawEnv {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET: BENCH_JWT_SECRET,
    ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    PAYLOAD_KEYS: BENCH_PAYLOAD_KEYS,
    REDIS_HOST: servers.redis.host,
    REDIS_PORT: String(servers.redis.port),
    DATABASE_URL: servers.databaseUrl,
    SMTP_HOST: servers.smtp.host,
    SMTP_PORT: String(servers.smtp.port),
    SMTP_SECURE: 'false',
    // Benchmark mail goes to example.com addresses, over the API too.
    EMAIL_ALLOWED_RECIPIENT_DOMAINS: 'example.com',
    SHUTDOWN_TIMEOUT_MS: '10000',
    // Worker processes serve /metrics on their own port: a free one each, as several run at once.
    METRICS_PORT: '0',
    ...overrides,
  };
}

/** A valid `send-email` payload (the case-assigned template with its context). */
export function emailPayload(organizationId: string, i = 0) {
  return {
    organizationId,
    templateId: 'case-assigned',
    to: `assignee${i % 100}@example.com`,
    context: {
      caseNumber: 1000 + i,
      caseTitle: `Benchmark case ${i}`,
      assigneeName: 'Bench Assignee',
      caseUrl: `https://ethico.example.com/cases/${i}`,
    },
  };
}
