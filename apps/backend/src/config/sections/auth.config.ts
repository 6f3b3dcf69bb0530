import { z } from 'zod';
import { int, problem } from '../fields';
import { NODE_ENV } from '../shared-variables';

const DEV_JWT_SECRET = 'ethico-development-secret-do-not-use-in-production';

export const authSection = z
  .object({
    NODE_ENV,
    JWT_SECRET: z.string().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    JWT_MAX_LIFETIME_S: int(60, 30 * 86_400).default(86_400),
  })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV === 'production' && (!e.JWT_SECRET || e.JWT_SECRET.length < 32)) {
      problem(ctx, 'JWT_SECRET', 'must be set to at least 32 characters when NODE_ENV=production');
    }
  })
  .transform((e) => ({
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    /** When set, API tokens must carry this `iss` and this `aud` (one of theirs, when a list). */
    jwtIssuer: e.JWT_ISSUER ?? null,
    jwtAudience: e.JWT_AUDIENCE ?? null,
    /** API tokens must carry `exp`, at most this far ahead (and this far after `iat`, when present). */
    jwtMaxLifetimeS: e.JWT_MAX_LIFETIME_S,
  }));
