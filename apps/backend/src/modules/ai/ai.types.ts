import type { AiProviderName } from '../../config/configuration';
import type { AiJobType } from '../jobs/types';

export type { AiProviderName };

/** A category an organization files reports under; keywords feed the offline provider. */
export interface OrgCategory {
  name: string;
  keywords: string[];
}

/** What a provider is asked to do. `content` is untrusted: it comes from a reporter. */
export interface AiTask {
  type: AiJobType;
  content: string;
  targetLanguage?: string;
  /** The organization's categories (used by categorize). */
  categories: OrgCategory[];
  /** Upper bound of a summary, in characters. */
  summaryMaxChars: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ProviderResult {
  text: string;
  /** null for the offline provider, which spends no tokens. */
  usage: TokenUsage | null;
}

export interface AiProvider {
  readonly name: AiProviderName;
  readonly model: string;
  supports(type: AiJobType): boolean;
  /** Resolves with the raw output, or rejects with a ProviderFailure. */
  run(task: AiTask, signal: AbortSignal): Promise<ProviderResult>;
}

/**
 * How a provider call failed, which decides what the chain does next:
 * - transient: try the next provider; if none succeeds, the attempt fails and BullMQ retries.
 * - rate-limited: like transient, and when no provider can take the job the queue pauses for retryAfterMs.
 * - invalid-output: the provider answered, but not with something usable; counts as transient.
 * - permanent / unsupported: this provider can never do this job; when every provider is in this
 *   state the job fails without retrying.
 */
export type FailureKind = 'transient' | 'rate-limited' | 'invalid-output' | 'permanent' | 'unsupported';

/** Messages carry status codes and error types only, never prompt, content or output text. */
export class ProviderFailure extends Error {
  constructor(
    readonly provider: AiProviderName,
    readonly kind: FailureKind,
    detail: string,
    readonly retryAfterMs?: number,
    /** Tokens the failed call still spent (an invalid output was paid for). */
    readonly usage?: TokenUsage | null,
  ) {
    super(`${provider}: ${detail}`);
    this.name = 'ProviderFailure';
  }
}
