import { z } from 'zod';
import { int } from './fields';

/**
 * Variables that more than one section reads (production rules, defaults derived from them).
 * Each is defined once here so every section validates it alike; loadConfiguration reports a bad
 * value once even though several sections see it.
 */

export const NODE_ENV = z
  .enum(['development', 'production', 'test'], { error: 'must be development, production or test' })
  .default('development');

/** Where `npm start` keeps embedded servers' data (read before validation by embedded-services.ts). */
export const DATA_DIR = z.string().min(1).default('.data');

export const PORT = int(0, 65535).default(3000);
export const PUBLIC_URL = z.string().optional();

/** The URL clients reach this server at, without a trailing slash. */
export const publicUrl = (e: { PUBLIC_URL?: string; PORT: number }): string =>
  (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
