import { z } from 'zod';
import { int } from '../fields';

export const databaseSection = z
  .object({
    DATABASE_URL: z
      .string({ error: 'must be set (postgres://user:password@host:5432/db); `npm start` sets it for an embedded server' })
      .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' }),
    DATABASE_POOL_MAX: int(1, 200).default(10),
    DATABASE_JOB_POOL_MAX: int(1, 200).default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: int(0, 3_600_000).default(30_000),
  })
  .transform((e) => ({
    url: e.DATABASE_URL,
    poolMax: e.DATABASE_POOL_MAX,
    jobPoolMax: e.DATABASE_JOB_POOL_MAX,
    statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
  }));
