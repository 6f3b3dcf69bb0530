import type { AiConfig } from '../../config/configuration';
import type { AiJobType } from '../jobs/types';
import type { AiProvider } from './ai.types';
import type { LocalThreadPool } from './local/local-thread-pool';
import { AnthropicProvider } from './providers/anthropic.provider';
import { LocalProvider } from './providers/local.provider';
import { OpenAiProvider } from './providers/openai.provider';

/** The configured chain, in AI_PROVIDERS order. */
export function buildProviders(ai: AiConfig, threads: LocalThreadPool): AiProvider[] {
  const timeout = (type: AiJobType) => ai.timeoutMs[type];
  return ai.providers.map((name) => {
    switch (name) {
      case 'anthropic':
        return new AnthropicProvider(ai.anthropic, timeout);
      case 'openai':
        return new OpenAiProvider(ai.openai, timeout);
      case 'local':
        return new LocalProvider(threads, timeout);
    }
  });
}
