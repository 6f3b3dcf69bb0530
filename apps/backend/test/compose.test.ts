import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RawEnv } from '../src/config/configuration';
import { Child, httpUrlOf, spawnBackend, waitForOutput } from './harness/processes';
import { startSmtpServer, TestSmtpServer } from './harness/smtp';

/**
 * docker-compose.yml as a new user runs it: each backend service's environment, exactly as compose
 * would give it (merge keys, ${VAR:-default} and ${VAR:?error} interpolation), boots the built
 * backend to ready. No Docker engine is needed: only the addresses of redis, postgres and mailpit are
 * replaced by this run's private servers, and the ports the process listens on by free ones.
 */
const COMPOSE = join(__dirname, '..', '..', '..', 'docker-compose.yml');

interface Service {
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, unknown>;
  image?: string;
  build?: unknown;
}

/** Compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate(value: string, vars: RawEnv): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (match, name?: string, colon?: string, op?: string, arg?: string) => {
      if (match === '$$') return '$';
      const v = vars[name!];
      const missing = v === undefined || (colon === ':' && v === '');
      if (op === '-') return missing ? (arg ?? '') : (v ?? '');
      if (op === '?') {
        if (missing) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return v ?? '';
      }
      return v ?? '';
    },
  );
}

function composeFile(): { services: Record<string, Service> } {
  return parse(readFileSync(COMPOSE, 'utf8'), { merge: true });
}

function environmentOf(service: Service, vars: RawEnv): RawEnv {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]));
}

// What a user puts in .env next to docker-compose.yml (the two secrets compose insists on).
const USER_VARS: RawEnv = {
  JWT_SECRET: 'compose-test-secret-0123456789abcdef',
  ADMIN_PASSWORD: 'compose-test-password',
  PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
};

describe('docker-compose.yml', () => {
  const compose = composeFile();
  const backends = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
  let smtp: TestSmtpServer;
  const children: Child[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop('SIGKILL')));
  });
  afterAll(() => smtp.close());

  it('declares the backend roles and every service they depend on', () => {
    expect(backends.map(([name]) => name).sort()).toEqual(['api', 'worker-ai', 'worker-general', 'worker-reports']);
    for (const [, s] of backends) {
      for (const dep of Object.keys(s.depends_on ?? {})) expect(Object.keys(compose.services)).toContain(dep);
    }
  });

  it('refuses to interpolate without the secrets, as compose does', () => {
    expect(() => environmentOf(compose.services.api, {})).toThrow(/JWT_SECRET/);
  });

  /** Points compose's service names at this run's servers; fails when compose points somewhere else. */
  function substitute(env: RawEnv): RawEnv {
    expect(env.REDIS_HOST).toBe('redis');
    expect(env.SMTP_HOST).toBe('mailpit');
    const db = new URL(env.DATABASE_URL!);
    expect(db.hostname).toBe('postgres');
    // The credentials and database are the postgres service's own.
    const pgEnv = environmentOf(compose.services.postgres, {});
    expect([decodeURIComponent(db.username), decodeURIComponent(db.password), db.pathname.slice(1)]).toEqual([
      pgEnv.POSTGRES_USER,
      pgEnv.POSTGRES_PASSWORD,
      pgEnv.POSTGRES_DB,
    ]);
    const redis = new URL(process.env.TEST_REDIS_URL!);
    return {
      ...env,
      REDIS_HOST: redis.hostname,
      REDIS_PORT: redis.port,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      // Inside a container the process owns its ports; here they must be free ones.
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
    };
  }

  it.each(['api', 'worker-ai', 'worker-general', 'worker-reports'])(
    '%s starts with compose’s environment and reports ready',
    async (name) => {
      const service = compose.services[name];
      const env = environmentOf(service, USER_VARS);
      expect(env.NODE_ENV).toBe('production');
      const child = spawnBackend(substitute(env));
      children.push(child);
      let base: string;
      if (env.APP_ROLE === 'api') {
        base = await httpUrlOf(child);
        // The published port is the one the API listens on by default.
        expect(service.ports).toContain('3000:3000');
      } else {
        await waitForOutput(child, /metrics and health on (http:\/\/\S+)\/metrics/);
        base = /metrics and health on (http:\/\/\S+)\/metrics/.exec(child.output())![1];
        expect(child.output()).toContain(`consuming ${env.WORKER_QUEUES!.split(',').join(', ')}`);
      }
      const ready = await fetch(`${base}/health/ready`);
      expect({ status: ready.status, body: await ready.json() }).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(child.process.exitCode).toBeNull();
    },
  );
});
