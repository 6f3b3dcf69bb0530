import { z } from 'zod';
import { int, problem } from '../fields';
import { DEV_JWT_SECRET, secretWeakness } from '../secret-strength';
import { NODE_ENV } from '../shared-variables';

export const authSection = z
  .object({
    NODE_ENV,
    JWT_SECRET: z.string().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    JWT_MAX_LIFETIME_S: int(60, 30 * 86_400).default(86_400),
  })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV !== 'production') return;
    if (!e.JWT_SECRET) return problem(ctx, 'JWT_SECRET', 'must be set to at least 32 characters when NODE_ENV=production');
    const weakness = secretWeakness(e.JWT_SECRET, 32, 10);
    if (weakness) problem(ctx, 'JWT_SECRET', `${weakness} when NODE_ENV=production`);
  })
  .transform((e) => ({
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    /** When set, API tokens must carry this `iss` and this `aud` (one of theirs, when a list). */
    jwtIssuer: e.JWT_ISSUER ?? null,
    jwtAudience: e.JWT_AUDIENCE ?? null,
    /** API tokens must carry `exp`, at most this far ahead (and this far after `iat`, when present). */
    jwtMaxLifetimeS: e.JWT_MAX_LIFETIME_S,
  }));
