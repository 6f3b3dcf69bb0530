import { z } from 'zod';
import { int, list, problem } from '../fields';

export const AI_PROVIDER_NAMES = ['anthropic', 'openai', 'local'] as const;
export type AiProviderName = (typeof AI_PROVIDER_NAMES)[number];
/** Kept literal so config has no dependency on the jobs module. */
export type AiTimeoutJobType = 'generate-summary' | 'translate' | 'categorize' | 'note-cleanup';

const isProviderName = (n: string): n is AiProviderName => (AI_PROVIDER_NAMES as readonly string[]).includes(n);

/** An http(s) URL without its trailing slash, so paths can be appended. */
const url = z
  .string()
  .trim()
  .transform((v) => v.replace(/\/$/, ''))
  .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { error: 'must be an http(s) URL' });

/** US dollars per million tokens. */
const price = z.coerce.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).max(10_000);

const timeout = int(100, 600_000);

const aiVariables = z.object({
  AI_PROVIDERS: z.string().optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: url.default('https://api.anthropic.com'),
  ANTHROPIC_MODEL: z.string().min(1).default('claude-haiku-4-5'),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: url.optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  AI_TIMEOUT_MS: timeout.default(30_000),
  AI_TIMEOUT_SUMMARY_MS: timeout.optional(),
  AI_TIMEOUT_TRANSLATE_MS: timeout.optional(),
  AI_TIMEOUT_CATEGORIZE_MS: timeout.optional(),
  AI_TIMEOUT_NOTE_CLEANUP_MS: timeout.optional(),
  AI_RATE_LIMIT_MAX: int(1, 1_000_000).default(50),
  AI_RATE_LIMIT_DURATION_MS: int(100, 3_600_000).default(60_000),
  AI_MAX_RATE_LIMIT_WAIT_MS: int(0, 3_600_000).default(120_000),
  AI_SUMMARY_MAX_CHARS: int(100, 20_000).default(1_200),
  AI_PRICE_ANTHROPIC_INPUT_PER_MTOK: price.default(1),
  AI_PRICE_ANTHROPIC_OUTPUT_PER_MTOK: price.default(5),
  AI_PRICE_OPENAI_INPUT_PER_MTOK: price.default(0.15),
  AI_PRICE_OPENAI_OUTPUT_PER_MTOK: price.default(0.6),
});

/**
 * The provider chain: AI_PROVIDERS, checked against the keys it needs, or else every provider with
 * a key. Built and checked in one place because the default depends on the same keys the rules check.
 */
function providerChain(e: z.infer<typeof aiVariables>, ctx: z.core.$RefinementCtx): AiProviderName[] {
  const openaiUsable = Boolean(e.OPENAI_API_KEY || e.OPENAI_BASE_URL);
  if (e.AI_PROVIDERS === undefined) {
    const keyed: AiProviderName[] = [...(e.ANTHROPIC_API_KEY ? ['anthropic' as const] : []), ...(openaiUsable ? ['openai' as const] : [])];
    // Without a key the offline provider is the default, so AI features work out of the box.
    return keyed.length > 0 ? keyed : ['local'];
  }
  const names = list(e.AI_PROVIDERS);
  const unknown = names.filter((n) => !isProviderName(n));
  if (unknown.length > 0 || names.length === 0) {
    problem(ctx, 'AI_PROVIDERS', `unknown provider(s) ${unknown.join(', ') || '(none given)'}; allowed: ${AI_PROVIDER_NAMES.join(', ')}`);
  }
  if (new Set(names).size !== names.length) problem(ctx, 'AI_PROVIDERS', 'must not name a provider twice');
  const providers = names.filter(isProviderName);
  if (providers.includes('anthropic') && !e.ANTHROPIC_API_KEY) {
    problem(ctx, 'ANTHROPIC_API_KEY', 'must be set when AI_PROVIDERS includes anthropic');
  }
  if (providers.includes('openai') && !openaiUsable) {
    problem(
      ctx,
      'OPENAI_API_KEY',
      'must be set (or OPENAI_BASE_URL, for a keyless endpoint such as Ollama) when AI_PROVIDERS includes openai',
    );
  }
  return providers;
}

export const aiSection = aiVariables.transform((e, ctx) => ({
  /** The provider chain, tried in this order within each attempt. */
  providers: providerChain(e, ctx),
  anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL, model: e.ANTHROPIC_MODEL },
  openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
  /** Per provider call, by job type. */
  timeoutMs: {
    'generate-summary': e.AI_TIMEOUT_SUMMARY_MS ?? e.AI_TIMEOUT_MS,
    translate: e.AI_TIMEOUT_TRANSLATE_MS ?? e.AI_TIMEOUT_MS,
    categorize: e.AI_TIMEOUT_CATEGORIZE_MS ?? e.AI_TIMEOUT_MS,
    'note-cleanup': e.AI_TIMEOUT_NOTE_CLEANUP_MS ?? e.AI_TIMEOUT_MS,
  } satisfies Record<AiTimeoutJobType, number>,
  rateLimit: { max: e.AI_RATE_LIMIT_MAX, durationMs: e.AI_RATE_LIMIT_DURATION_MS },
  /** A provider's retry-after up to this long pauses the queue; a longer one counts as a failed attempt. */
  maxRateLimitWaitMs: e.AI_MAX_RATE_LIMIT_WAIT_MS,
  summaryMaxChars: e.AI_SUMMARY_MAX_CHARS,
  /** US dollars per million tokens. */
  prices: {
    anthropic: { inputPerMTok: e.AI_PRICE_ANTHROPIC_INPUT_PER_MTOK, outputPerMTok: e.AI_PRICE_ANTHROPIC_OUTPUT_PER_MTOK },
    openai: { inputPerMTok: e.AI_PRICE_OPENAI_INPUT_PER_MTOK, outputPerMTok: e.AI_PRICE_OPENAI_OUTPUT_PER_MTOK },
  } satisfies Record<Exclude<AiProviderName, 'local'>, { inputPerMTok: number; outputPerMTok: number }>,
}));

export type AiConfig = z.infer<typeof aiSection>;
