import { ConfigValidationError, loadConfiguration } from './configuration';

const base = { DATABASE_URL: 'postgres://localhost:5432/ethico' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfiguration({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfiguration', () => {
  it('has working defaults for development', () => {
    const config = loadConfiguration(base);
    expect(config).toMatchObject({
      env: 'development',
      role: 'all',
      workerQueues: null,
      redis: { host: 'localhost', port: 6379, db: 0 },
      queue: { prefix: 'ethico', enqueueTimeoutMs: 2000 },
      shutdownTimeoutMs: 30000,
      admin: { username: 'admin', passwordGenerated: true },
    });
    expect(config.admin.password.length).toBeGreaterThanOrEqual(16);
  });

  it.each([
    [{ REDIS_PORT: 'abc' }, 'REDIS_PORT: must be a number'],
    [{ REDIS_PORT: '70000' }, 'REDIS_PORT: must be at most 65535'],
    [{ APP_ROLE: 'cron' }, 'APP_ROLE: must be one of all, api, worker'],
    [{ WORKER_QUEUES: ' , ' }, 'WORKER_QUEUES: must name at least one queue'],
    [{ QUEUE_PREFIX: 'a:b' }, 'QUEUE_PREFIX: may contain only letters, digits, _ and -'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres:// URL'],
    [{ NODE_ENV: 'production' }, 'ADMIN_PASSWORD: must be set to at least 16 characters when NODE_ENV=production'],
    [{ NODE_ENV: 'production', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD: must be set to at least 16 characters when NODE_ENV=production'],
    [
      { NODE_ENV: 'production', ADMIN_PASSWORD: 'a-long-enough-password' },
      'JWT_SECRET: must be set to at least 32 characters when NODE_ENV=production',
    ],
  ])('rejects %o naming the variable', (env, message) => {
    expect(problems(env as Record<string, string>)).toContain(message);
  });

  describe('secrets in production', () => {
    const prod = {
      NODE_ENV: 'production',
      JWT_SECRET: 'Vt3q9-LmZ8xR2pWk7sNc4bYh6gDf1aJe',
      ADMIN_PASSWORD: 'Qm7-xP2rT9vL4wZk',
      SMTP_HOST: 'smtp.example.com',
      PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    it('accepts strong ones', () => {
      expect(problems(prod)).toEqual([]);
    });
    it.each([
      ['JWT_SECRET', 'ethico-development-secret-do-not-use-in-production', /published development secret/],
      ['JWT_SECRET', 'change-me-to-a-long-random-secret-value', /placeholder/],
      ['JWT_SECRET', 'a'.repeat(48), /distinct characters/],
      ['JWT_SECRET', 'abababababababababababababababab', /distinct characters/],
      ['JWT_SECRET', 'abcdefghijklmnopqrstuvwxyz0123456789', /predictable/],
      ['ADMIN_PASSWORD', 'aaaaaaaaaaaaaaaaaaaa', /distinct characters/],
      ['ADMIN_PASSWORD', 'your-password-here-please', /placeholder/],
      ['ADMIN_PASSWORD', '1234567890123456', /predictable|distinct/],
    ])('refuses %s=%s', (variable, value, reason) => {
      const found = problems({ ...prod, [variable]: value });
      expect(found).toHaveLength(1);
      expect(found[0].startsWith(`${variable}: `)).toBe(true);
      expect(found[0]).toMatch(reason);
    });
    it('lets development use the development secret', () => {
      expect(problems({ JWT_SECRET: 'ethico-development-secret-do-not-use-in-production', ADMIN_PASSWORD: 'a'.repeat(16) })).toEqual([]);
    });
  });

  it('reports every bad variable at once', () => {
    expect(problems({ REDIS_PORT: 'x', APP_ROLE: 'y' })).toHaveLength(2);
  });

  it("reports one section's cross-field rules alongside another section's bad variable", () => {
    expect(problems({ REDIS_PORT: 'x', NODE_ENV: 'production' }).map((p) => p.split(':')[0])).toEqual([
      'REDIS_PORT',
      'JWT_SECRET',
      'ADMIN_PASSWORD',
      'SMTP_HOST',
      'PAYLOAD_KEYS',
    ]);
  });

  it('reports a variable that several sections read once', () => {
    expect(problems({ NODE_ENV: 'staging' })).toEqual(['NODE_ENV: must be development, production or test']);
  });

  it('parses WORKER_QUEUES as a de-duplicated list', () => {
    expect(loadConfiguration({ ...base, WORKER_QUEUES: ' email , indexing,email' }).workerQueues).toEqual(['email', 'indexing']);
  });

  it('treats empty values as unset', () => {
    const config = loadConfiguration({ ...base, REDIS_HOST: '', REDIS_PASSWORD: '', ADMIN_PASSWORD: ' ' });
    expect(config.admin.passwordGenerated).toBe(true);
    expect(config.redis.host).toBe('localhost');
  });
});
