import { z } from 'zod';

/**
 * Value schemas shared by the sections. loadConfiguration drops empty values before parsing
 * (`REDIS_HOST=` in an .env file means "unset"), so none of these needs to treat '' specially.
 */

export const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A comma-separated list: trimmed, without empty items. */
export const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Reports a cross-field problem against the variable(s) to change; the message is printed as
 * `VARIABLE: message`, like a field's own problem. `variables` may name two, e.g. 'SMTP_USER, SMTP_PASSWORD'.
 */
export function problem(ctx: z.core.$RefinementCtx, variables: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [variables], message });
}
