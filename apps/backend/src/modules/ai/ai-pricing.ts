import type { AiConfig } from '../../config/configuration';
import type { AiProviderName, TokenUsage } from './ai.types';

/** Estimated US dollars for a call, from the configured per-million-token prices; local is free. */
export function estimateCostUsd(prices: AiConfig['prices'], provider: AiProviderName, usage: TokenUsage | null): number {
  if (!usage || provider === 'local') return 0;
  const p = prices[provider];
  const cost = (usage.inputTokens * p.inputPerMTok + usage.outputTokens * p.outputPerMTok) / 1_000_000;
  return Math.round(cost * 1_000_000) / 1_000_000;
}
