import { z } from 'zod';
import { int } from '../fields';

export const redisSection = z
  .object({
    REDIS_HOST: z.string().min(1).default('localhost'),
    REDIS_PORT: int(1, 65535).default(6379),
    REDIS_PASSWORD: z.string().optional(),
    REDIS_DB: int(0, 15).default(0),
  })
  .transform((e) => ({ host: e.REDIS_HOST, port: e.REDIS_PORT, password: e.REDIS_PASSWORD, db: e.REDIS_DB }));
