import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export interface AdminCredentials {
  username: string;
  password: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time: compares fixed-length digests, so neither length nor content leaks through timing. */
export function checkBasicAuth(header: string | undefined, admin: AdminCredentials): string | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0) return null;
  const user = decoded.slice(0, sep);
  const pass = decoded.slice(sep + 1);
  const userOk = timingSafeEqual(digest(user), digest(admin.username));
  const passOk = timingSafeEqual(digest(pass), digest(admin.password));
  return userOk && passOk ? user : null;
}

export const ADMIN_REALM = 'Basic realm="Ethico admin", charset="UTF-8"';

/** Express middleware for everything under /admin (Bull Board's pages, assets and API). */
export function adminBasicAuth(admin: AdminCredentials) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (checkBasicAuth(req.headers.authorization, admin)) return next();
    res.setHeader('WWW-Authenticate', ADMIN_REALM);
    res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'admin credentials required' });
  };
}
