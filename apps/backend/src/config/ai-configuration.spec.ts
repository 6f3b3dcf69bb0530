import { ConfigValidationError, loadConfiguration, RawEnv } from './configuration';

const base: RawEnv = { DATABASE_URL: 'postgres://u:p@localhost:5432/db' };
const load = (env: RawEnv) => loadConfiguration({ ...base, ...env }).ai;
const problems = (env: RawEnv): string[] => {
  try {
    loadConfiguration({ ...base, ...env });
    return [];
  } catch (err) {
    return (err as ConfigValidationError).problems;
  }
};

describe('AI configuration', () => {
  it.each<[string, RawEnv, string[]]>([
    ['no keys: the offline provider', {}, ['local']],
    ['an Anthropic key', { ANTHROPIC_API_KEY: 'k' }, ['anthropic']],
    ['both keys', { ANTHROPIC_API_KEY: 'k', OPENAI_API_KEY: 'k' }, ['anthropic', 'openai']],
    ['a keyless OpenAI-compatible server (Ollama)', { OPENAI_BASE_URL: 'http://localhost:11434/v1' }, ['openai']],
    ['an explicit chain', { AI_PROVIDERS: 'openai, local', OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' }, ['openai', 'local']],
  ])('chain from %s', (_name, env, providers) => {
    expect(load(env).providers).toEqual(providers);
  });

  it('applies per-type timeouts over AI_TIMEOUT_MS', () => {
    expect(load({ AI_TIMEOUT_MS: '5000', AI_TIMEOUT_TRANSLATE_MS: '60000' }).timeoutMs).toEqual({
      'generate-summary': 5000,
      translate: 60000,
      categorize: 5000,
      'note-cleanup': 5000,
    });
  });

  it('reads limits and prices', () => {
    const ai = load({
      AI_RATE_LIMIT_MAX: '10',
      AI_RATE_LIMIT_DURATION_MS: '1000',
      AI_PRICE_OPENAI_INPUT_PER_MTOK: '2.5',
      OPENAI_BASE_URL: 'https://x.example/v1/',
    });
    expect(ai.rateLimit).toEqual({ max: 10, durationMs: 1000 });
    expect(ai.prices.openai.inputPerMTok).toBe(2.5);
    expect(ai.openai.baseUrl).toBe('https://x.example/v1');
  });

  it.each<[RawEnv, RegExp]>([
    [{ AI_PROVIDERS: 'anthropic,gemini' }, /AI_PROVIDERS: unknown provider\(s\) gemini/],
    [{ AI_PROVIDERS: 'local,local' }, /must not name a provider twice/],
    [{ AI_PROVIDERS: 'anthropic' }, /ANTHROPIC_API_KEY: must be set/],
    [{ AI_PROVIDERS: 'openai' }, /OPENAI_API_KEY: must be set/],
    [{ AI_TIMEOUT_MS: '10' }, /AI_TIMEOUT_MS: must be at least 100/],
    [{ ANTHROPIC_BASE_URL: 'not a url' }, /ANTHROPIC_BASE_URL: must be an http\(s\) URL/],
    [{ AI_PRICE_ANTHROPIC_INPUT_PER_MTOK: '-1' }, /must not be negative/],
  ])('rejects %j', (env, message) => {
    expect(problems(env).join('\n')).toMatch(message);
  });
});
