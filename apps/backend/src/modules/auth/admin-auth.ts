import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AdminAccount, AdminRole } from '../../config/admin-accounts';
import { verifyScrypt } from './password-hash';

export interface AdminPrincipal {
  name: string;
  role: AdminRole;
}

export interface AdminRequest {
  admin?: AdminPrincipal;
}

export const ADMIN_REALM = 'Basic realm="Ethico admin", charset="UTF-8"';

const digest = (s: string) => createHash('sha256').update(s).digest();
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 500;
// Verified against for unknown names, so a miss costs what a hit costs.
const DUMMY_SCRYPT = { scheme: 'scrypt' as const, N: 16384, r: 8, p: 1, salt: randomBytes(16), key: randomBytes(32) };

/**
 * Checks Basic credentials against the configured accounts. scrypt is slow on purpose, and the
 * browser resends credentials with every request (Bull Board polls), so successful checks are
 * remembered for a few minutes under a keyed digest of the header, never the header itself.
 */
export class AdminAuthenticator {
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, { principal: AdminPrincipal; until: number }>();

  constructor(private readonly accounts: AdminAccount[]) {}

  async authenticate(header: string | undefined): Promise<AdminPrincipal | null> {
    if (!header?.startsWith('Basic ')) return null;
    const cacheId = createHmac('sha256', this.cacheKey).update(header).digest('base64url');
    const cached = this.verified.get(cacheId);
    if (cached && cached.until > Date.now()) return cached.principal;

    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) return null;
    const user = decoded.slice(0, sep);
    const pass = decoded.slice(sep + 1);
    const account = this.accounts.find((a) => timingSafeEqual(digest(a.name), digest(user)));
    let ok: boolean;
    if (account?.secret.scheme === 'plain') ok = timingSafeEqual(digest(pass), digest(account.secret.password));
    else ok = (await verifyScrypt(pass, account?.secret ?? DUMMY_SCRYPT)) && account !== undefined;
    if (!ok || !account) return null;

    const principal: AdminPrincipal = { name: account.name, role: account.role };
    if (this.verified.size >= CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(cacheId, { principal, until: Date.now() + CACHE_TTL_MS });
    return principal;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isSafeMethod = (method: string) => SAFE_METHODS.has(method.toUpperCase());

/**
 * Cross-site request check for state-changing admin requests. Browsers send Sec-Fetch-Site and
 * Origin (or at least Referer) with cross-site POSTs; tools such as curl send neither and pass.
 * Same origin means the Host the request was sent to, or PUBLIC_URL's origin behind a proxy.
 */
export function crossSiteReason(req: Request, publicUrl: string): string | null {
  const site = req.header('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site is ${site}`;
  const source = req.header('origin') ?? req.header('referer');
  if (!source) return null;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return 'unparseable Origin/Referer';
  }
  if (url.host === req.header('host')) return null;
  if (url.origin === new URL(publicUrl).origin) return null;
  return `request from ${url.origin}`;
}

/**
 * Express middleware for Bull Board: credentials, roles and cross-site checks; see board-viewer.ts
 * for viewers' reads. `onRefused` hears of every write refused to a signed-in admin (to audit it);
 * if it fails, the answer is still the refusal.
 */
export function adminBasicAuth(
  auth: AdminAuthenticator,
  publicUrl: string,
  onViewer?: (req: Request, res: Response) => void,
  onRefused?: (req: Request, principal: AdminPrincipal, reason: string) => Promise<void>,
) {
  return (req: Request & AdminRequest, res: Response, next: NextFunction): void => {
    auth.authenticate(req.headers.authorization).then(
      (principal) => {
        if (!principal) {
          res.setHeader('WWW-Authenticate', ADMIN_REALM);
          res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'admin credentials required' });
          return;
        }
        req.admin = principal;
        if (!isSafeMethod(req.method)) {
          const refuse = (message: string) => {
            const answer = () => res.status(403).json({ statusCode: 403, error: 'Forbidden', message });
            if (!onRefused) return answer();
            onRefused(req, principal, message).then(answer, answer);
          };
          const crossSite = crossSiteReason(req, publicUrl);
          if (crossSite) return refuse(`cross-site request refused (${crossSite})`);
          if (principal.role !== 'operator') return refuse('the viewer role is read-only');
        }
        if (principal.role !== 'operator') onViewer?.(req, res);
        next();
      },
      (err: Error) => next(err),
    );
  };
}
