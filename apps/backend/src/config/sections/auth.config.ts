import { z } from 'zod';
import { problem } from '../fields';
import { NODE_ENV } from '../shared-variables';

const DEV_JWT_SECRET = 'ethico-development-secret-do-not-use-in-production';

export const authSection = z
  .object({ NODE_ENV, JWT_SECRET: z.string().optional() })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV === 'production' && (!e.JWT_SECRET || e.JWT_SECRET.length < 32)) {
      problem(ctx, 'JWT_SECRET', 'must be set to at least 32 characters when NODE_ENV=production');
    }
  })
  .transform((e) => ({ jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET }));
