import { sign } from 'jsonwebtoken';
import { loadConfiguration } from '../config/configuration';
import { loadDotEnv } from './dot-env';

/**
 * `npm run token -- <organizationId> [userId]`: prints a bearer token signed with JWT_SECRET
 * (the development secret when unset), valid for 12 hours, for trying the API by hand. JWT_SECRET
 * comes from the environment or `.env`, exactly as the backend reads it.
 */
function main(): void {
  const [organizationId, userId = 'dev-user'] = process.argv.slice(2);
  if (!organizationId) {
    console.error('usage: npm run token -- <organizationId> [userId]');
    process.exit(2);
  }
  loadDotEnv();
  const config = loadConfiguration({ DATABASE_URL: 'postgres://unused', ...process.env });
  console.log(sign({ sub: userId, organizationId }, config.auth.jwtSecret, { algorithm: 'HS256', expiresIn: '12h' }));
}

main();
