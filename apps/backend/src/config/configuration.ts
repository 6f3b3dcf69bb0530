import { z } from 'zod';
import { processSection, SECTIONS } from './sections';

/**
 * All configuration comes from the environment and is validated here, once, at startup.
 * Nothing else in the backend reads process.env: modules receive the typed AppConfig.
 *
 * Each section (sections/*.config.ts) is one zod schema over the variables it reads that transforms
 * into that part of AppConfig, so a section's type is what its schema produces.
 */

export { EMBEDDED } from './sections/process.config';
export { AI_PROVIDER_NAMES, type AiConfig, type AiProviderName } from './sections/ai.config';
export { mailboxAddress, type SmtpConfig } from './sections/email.config';

export { isTimeZone } from './sections/schedules.config';

export type RawEnv = Record<string, string | undefined>;

type Sections = { [K in keyof typeof SECTIONS]: z.infer<(typeof SECTIONS)[K]> };
/** The process fields (env, role, workerQueues, ...) at the top level, then one key per section. */
export type AppConfig = z.infer<typeof processSection> & Sections;

const ALL_SCHEMAS = [processSection, ...Object.values(SECTIONS)];

/** Every variable the configuration reads (for the documentation check). */
export const CONFIG_VARIABLES: readonly string[] = [...new Set(ALL_SCHEMAS.flatMap((s) => Object.keys(s.in.shape)))];

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Builds the typed configuration from an environment, or throws naming every bad variable. */
export function loadConfiguration(env: RawEnv): AppConfig {
  // An empty value (`REDIS_HOST=` in an .env file) means "unset": the default applies.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  // A Set: a variable several sections read (NODE_ENV, PORT, ...) is reported once when bad.
  const problems = new Set<string>();
  const parse = <S extends z.ZodType>(schema: S): z.infer<S> | undefined => {
    const result = schema.safeParse(given);
    if (result.success) return result.data;
    result.error.issues.forEach((i) => problems.add(`${i.path.join('.') || '(environment)'}: ${i.message}`));
    return undefined;
  };
  // Every section is parsed, even after one fails, so that all problems are reported at once.
  const top = parse(processSection);
  const sections = Object.fromEntries(Object.entries(SECTIONS).map(([key, schema]) => [key, parse(schema)]));
  if (problems.size > 0 || top === undefined) throw new ConfigValidationError([...problems]);
  // Object.fromEntries loses the per-key types; every key of SECTIONS parsed successfully.
  return { ...top, ...(sections as Sections) };
}
