import { AdminAuthenticator } from '../modules/auth/admin-auth';
import { hashPassword } from '../modules/auth/password-hash';
import { parseAdminUsers } from './admin-accounts';
import { ConfigValidationError, loadConfiguration } from './configuration';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const env = { DATABASE_URL: 'postgres://localhost/x', ADMIN_PASSWORD: 'pair-password-123' };

describe('admin accounts', () => {
  it('parses ADMIN_USERS and authenticates each role; the ADMIN_USERNAME pair stays an operator', async () => {
    const users = `alice:operator:${await hashPassword('alice-password-1')},bob:viewer:${await hashPassword('bob-password-12')}`;
    const config = loadConfiguration({ ...env, ADMIN_USERS: users });
    const auth = new AdminAuthenticator(config.admin.accounts);
    expect(await auth.authenticate(basic('alice', 'alice-password-1'))).toEqual({ name: 'alice', role: 'operator' });
    expect(await auth.authenticate(basic('bob', 'bob-password-12'))).toEqual({ name: 'bob', role: 'viewer' });
    expect(await auth.authenticate(basic('admin', 'pair-password-123'))).toEqual({ name: 'admin', role: 'operator' });
    expect(await auth.authenticate(basic('bob', 'wrong'))).toBeNull();
    expect(await auth.authenticate(basic('nobody', 'bob-password-12'))).toBeNull();
    expect(await auth.authenticate('Bearer x')).toBeNull();
  });

  it('drops the pair when ADMIN_USERS is set without ADMIN_PASSWORD', async () => {
    const config = loadConfiguration({
      DATABASE_URL: env.DATABASE_URL,
      ADMIN_USERS: `bob:viewer:${await hashPassword('bob-password-12')}`,
    });
    expect(config.admin.accounts.map((a) => a.name)).toEqual(['bob']);
    expect(config.admin.passwordGenerated).toBe(false);
  });

  it.each([
    [
      'a bad role',
      'x:admin:scrypt.16384.8.1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'the role must be viewer or operator',
    ],
    ['a bad hash', 'x:viewer:plaintext', 'must look like scrypt.N.r.p.salt.key'],
    ['a weak N', 'x:viewer:scrypt.16.8.1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'N must be a power of two'],
    ['a bad name', 'a b:viewer:x', 'the name must be'],
  ])('rejects %s', (_n, raw, message) => {
    expect(parseAdminUsers(raw).problems.join()).toContain(message);
    expect(() => loadConfiguration({ ...env, ADMIN_USERS: raw })).toThrow(ConfigValidationError);
  });
});

describe('operations variables', () => {
  it('reads empty values from an .env file as unset', () => {
    const config = loadConfiguration({
      ...env,
      LOG_PRETTY: '',
      LOG_FILE: '',
      ADMIN_USERS: '',
      METRICS_PORT: '9100',
      NODE_ENV: 'development',
    });
    expect(config.operations).toEqual({ metricsPort: 9100, logPretty: true, logFile: undefined });
  });
});
