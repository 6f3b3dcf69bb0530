import { ADMIN_ROLES } from '../config/admin-accounts';
import { hashPassword } from '../modules/auth/password-hash';

/**
 * `npm run admin:hash-password -- <name> <viewer|operator>`, password on standard input:
 * prints one ADMIN_USERS entry. The password never appears in the shell history or `ps`.
 */
async function main(): Promise<void> {
  const [name, role] = process.argv.slice(2);
  if (!name || !(ADMIN_ROLES as readonly string[]).includes(role)) {
    console.error('usage: npm run admin:hash-password -- <name> <viewer|operator>   (password on stdin)');
    process.exit(2);
  }
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length < 12) {
    console.error('the password must be at least 12 characters');
    process.exit(2);
  }
  console.log(`${name}:${role}:${await hashPassword(password)}`);
}

void main();
