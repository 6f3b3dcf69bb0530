import { sign } from 'jsonwebtoken';
import { hashPassword } from '../../src/modules/auth/password-hash';
import { TEST_ADMIN, TEST_JWT_SECRET } from './config';

export function tokenFor(organizationId: string, userId = 'user-1', secret = TEST_JWT_SECRET): string {
  return sign({ sub: userId, organizationId }, secret, { algorithm: 'HS256', expiresIn: '1h' });
}

export const bearer = (organizationId: string) => ({ Authorization: `Bearer ${tokenFor(organizationId)}` });

export const adminAuth = (user = TEST_ADMIN.username, pass = TEST_ADMIN.password) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
});

/** ADMIN_USERS for a viewer and an operator with these passwords (scrypt hashes, as production keeps them). */
export async function viewerAndOperator(
  viewer: { username: string; password: string },
  operator: { username: string; password: string },
): Promise<string> {
  return `${viewer.username}:viewer:${await hashPassword(viewer.password)},${operator.username}:operator:${await hashPassword(operator.password)}`;
}
