import { createHmac, timingSafeEqual } from 'node:crypto';

const VALID_FOR_MS = 12 * 60 * 60_000;

/**
 * Synchronizer tokens for the console's forms, stateless so that any API replica accepts them:
 * `issuedAt.hmac(user|issuedAt)` under a key derived from JWT_SECRET. Bound to the signed-in
 * user, valid for 12 hours. A cross-site page cannot read a token, so it cannot forge a form;
 * the admin guard also refuses cross-site Origin/Referer/Sec-Fetch-Site on every write.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('ethico-admin-csrf-v1').digest();
  }

  issue(user: string, now = Date.now()): string {
    return `${now.toString(36)}.${this.sign(user, now)}`;
  }

  verify(user: string, token: unknown, now = Date.now()): boolean {
    if (typeof token !== 'string' || token.length > 200) return false;
    const [issued, mac] = token.split('.');
    const issuedAt = parseInt(issued ?? '', 36);
    if (!mac || !Number.isFinite(issuedAt) || issuedAt > now + 60_000 || now - issuedAt > VALID_FOR_MS) return false;
    const expected = Buffer.from(this.sign(user, issuedAt));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(user: string, issuedAt: number): string {
    return createHmac('sha256', this.key).update(`${user}|${issuedAt}`).digest('base64url');
  }
}
