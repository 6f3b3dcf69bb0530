import { sign } from 'jsonwebtoken';
import { loadConfiguration } from '../config/configuration';
import { loadDotEnv } from './dot-env';

/**
 * `npm run token -- <organizationId> [userId]`: prints a bearer token signed with JWT_SECRET
 * (the development secret when unset), valid for 12 hours or JWT_MAX_LIFETIME_S when shorter,
 * with JWT_ISSUER / JWT_AUDIENCE when set, for trying the API by hand. JWT_SECRET
 * comes from the environment or `.env`, exactly as the backend reads it.
 */
function main(): void {
  const [organizationId, userId = 'dev-user'] = process.argv.slice(2);
  if (!organizationId) {
    console.error('usage: npm run token -- <organizationId> [userId]');
    process.exit(2);
  }
  loadDotEnv();
  const { auth } = loadConfiguration({ DATABASE_URL: 'postgres://unused', ...process.env });
  const token = sign({ sub: userId, organizationId }, auth.jwtSecret, {
    algorithm: 'HS256',
    expiresIn: Math.min(12 * 3600, auth.jwtMaxLifetimeS),
    ...(auth.jwtIssuer ? { issuer: auth.jwtIssuer } : {}),
    ...(auth.jwtAudience ? { audience: auth.jwtAudience } : {}),
  });
  console.log(token);
}

main();
