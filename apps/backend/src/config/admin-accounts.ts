/**
 * ADMIN_USERS: `name:role:hash` entries separated by commas, e.g.
 * `alice:operator:scrypt.16384.8.1.<salt>.<key>,bob:viewer:scrypt.…`. The hash comes from
 * `npm run admin:hash-password`; `.` separates its fields so that .env files and compose files
 * (which expand `$`) leave it alone.
 */

export const ADMIN_ROLES = ['viewer', 'operator'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface ScryptSecret {
  scheme: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

export interface AdminAccount {
  name: string;
  role: AdminRole;
  secret: ScryptSecret | { scheme: 'plain'; password: string };
}

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

function parseScryptHash(hash: string): ScryptSecret | string {
  const parts = hash.split('.');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'must look like scrypt.N.r.p.salt.key (see npm run admin:hash-password)';
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return 'N, r and p must be positive whole numbers';
  if ((N & (N - 1)) !== 0 || N < 1024 || N > 2 ** 20) return 'N must be a power of two between 1024 and 1048576';
  if (r > 32 || p > 16) return 'r must be at most 32 and p at most 16';
  if (!B64URL.test(parts[4]) || !B64URL.test(parts[5])) return 'salt and key must be base64url';
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length < 16 || key.length < 32) return 'salt must be at least 16 bytes and key at least 32';
  return { scheme: 'scrypt', N, r, p, salt, key };
}

export function parseAdminUsers(raw: string): { accounts: AdminAccount[]; problems: string[] } {
  const accounts: AdminAccount[] = [];
  const problems: string[] = [];
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((item, i) => {
      const [name, role, ...rest] = item.split(':');
      const where = `entry ${i + 1}${name && NAME.test(name) ? ` (${name})` : ''}`;
      if (!name || !NAME.test(name)) return problems.push(`${where}: the name must be 1-64 letters, digits or . _ @ -`);
      if (!(ADMIN_ROLES as readonly string[]).includes(role)) return problems.push(`${where}: the role must be viewer or operator`);
      const secret = parseScryptHash(rest.join(':'));
      if (typeof secret === 'string') return problems.push(`${where}: the password hash ${secret}`);
      if (accounts.some((a) => a.name === name)) return problems.push(`${where}: the name appears twice`);
      accounts.push({ name, role: role as AdminRole, secret });
    });
  return { accounts, problems };
}
