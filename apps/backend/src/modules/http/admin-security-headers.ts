import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers for everything under /admin (Bull Board, the dead-letter console, the admin
 * JSON API), the sign-in challenge included: never framed (clickjacking of operator actions),
 * never sniffed, no referrer to other sites. The policy is Bull Board's: its page loads its own
 * scripts from /admin/queues/static, styles inline, and fonts from Google (the fonts are cosmetic;
 * blocked, the board still works). The console sends a stricter policy of its own, which replaces this one.
 */
export function adminSecurityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
        fontSrc: ["'self'", 'https://fonts.gstatic.com', 'data:'],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // TLS is the deployment's (docs/deployment.md); HSTS belongs on the TLS terminator, for the whole host.
    strictTransportSecurity: false,
  });
}
