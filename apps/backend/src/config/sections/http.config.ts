import { z } from 'zod';
import { PORT, PUBLIC_URL, publicUrl } from '../shared-variables';

export const httpSection = z
  .object({
    HOST: z.string().default('0.0.0.0'),
    PORT,
    PUBLIC_URL,
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, { error: 'must look like 100kb or 1mb' })
      .default('100kb'),
  })
  .transform((e) => ({ host: e.HOST, port: e.PORT, bodyLimit: e.BODY_LIMIT, publicUrl: publicUrl(e) }));
