import { randomBytes } from 'node:crypto';
import { ConfigValidationError, loadConfiguration } from './configuration';
import { DEV_MASTER_KEY } from './sections/payload-keys.config';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://localhost:5432/ethico',
  ADMIN_PASSWORD: 'a-long-enough-password',
  JWT_SECRET: 'Vq3t9ZxL0pR7mN2bK8cW5yH1jD4fS6gA',
  SMTP_HOST: 'smtp.example.com',
};
const key = () => randomBytes(32).toString('base64');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfiguration(env);
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems.filter((p) => p.startsWith('PAYLOAD_KEYS'));
    throw err;
  }
  return [];
}

describe('PAYLOAD_KEYS', () => {
  it('refuses to start in production without a master key', () => {
    expect(problems(production)).toEqual(['PAYLOAD_KEYS: must be set when NODE_ENV=production (payloads are sealed under it)']);
  });

  it('refuses the public development key in production', () => {
    expect(problems({ ...production, PAYLOAD_KEYS: `${DEV_MASTER_KEY.kid}:${DEV_MASTER_KEY.key}` })).toEqual([
      'PAYLOAD_KEYS: must not hold the development key when NODE_ENV=production',
    ]);
  });

  it('reads a ring whose first key is the current one', () => {
    const [k2, k1] = [key(), key()];
    const config = loadConfiguration({ ...production, PAYLOAD_KEYS: `k2:${k2}, k1:${k1}` });
    expect(config.payloadKeys).toEqual({
      currentKid: 'k2',
      keys: [
        { kid: 'k2', key: k2 },
        { kid: 'k1', key: k1 },
      ],
      developmentKey: false,
    });
  });

  it('falls back to the development key outside production', () => {
    const config = loadConfiguration({ DATABASE_URL: production.DATABASE_URL });
    expect(config.payloadKeys).toEqual({ currentKid: 'dev', keys: [DEV_MASTER_KEY], developmentKey: true });
  });

  it.each([
    ['k1', 'each key must be written <id>:<base64 of 32 bytes>'],
    [`k1:${randomBytes(16).toString('base64')}`, 'key k1 must be 32 bytes in base64'],
    [`k1:${key()},k1:${key()}`, 'names the key id k1 twice'],
    [`bad id:${key()}`, 'each key must be written'],
  ])('rejects %s', (raw, message) => {
    expect(problems({ ...production, PAYLOAD_KEYS: raw }).join('\n')).toContain(message);
  });
});
