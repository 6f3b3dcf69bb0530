import { AI_JOB_TYPES, type AiJobType } from '../../jobs/types';
import * as Anthropic from '@anthropic-ai/sdk';
import * as OpenAI from 'openai';
import { AiProviderName, ProviderFailure } from '../ai.types';

type SdkError = Anthropic.APIError | OpenAI.APIError;

const isSdkError = (err: unknown): err is SdkError => err instanceof Anthropic.APIError || err instanceof OpenAI.APIError;

/** Both official clients expose the same error shapes; this maps them onto the chain's failure kinds. */
export function classifySdkError(provider: AiProviderName, err: unknown, signal: AbortSignal, timeoutMs: number): ProviderFailure {
  if (err instanceof ProviderFailure) return err;
  if (signal.aborted || err instanceof Anthropic.APIConnectionTimeoutError || err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderFailure(provider, 'transient', `no answer within ${timeoutMs} ms`);
  }
  if (err instanceof Anthropic.APIConnectionError || err instanceof OpenAI.APIConnectionError) {
    return new ProviderFailure(provider, 'transient', 'connection error');
  }
  if (!isSdkError(err) || err.status === undefined) {
    // A malformed answer or an unexpected client error: another provider or a later attempt may do better.
    return new ProviderFailure(provider, 'transient', `unexpected error (${(err as Error)?.name ?? 'unknown'})`);
  }
  const status = err.status;
  const type = errorType(err);
  const detail = `HTTP ${status}${type ? ` ${type}` : ''}`;
  if (status === 429) {
    const retryAfterMs = retryAfter(err.headers);
    return retryAfterMs === undefined
      ? new ProviderFailure(provider, 'transient', detail)
      : new ProviderFailure(provider, 'rate-limited', `${detail}, retry after ${retryAfterMs} ms`, retryAfterMs);
  }
  // 408 request timeout, 409 conflict and every 5xx (including Anthropic's 529 overloaded) may pass.
  if (status === 408 || status === 409 || status >= 500) return new ProviderFailure(provider, 'transient', detail);
  // 400 invalid request, 401/403 credentials, 404 unknown model, 413 too large, 422: retrying cannot help.
  return new ProviderFailure(provider, 'permanent', detail);
}

function errorType(err: SdkError): string | undefined {
  const t = 'type' in err ? err.type : undefined;
  const code = 'code' in err ? err.code : undefined;
  return (typeof t === 'string' && t) || (typeof code === 'string' && code) || undefined;
}

/** `retry-after-ms` (Anthropic and OpenAI send it), else `retry-after` in seconds or as an HTTP date. */
export function retryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * What both official SDK clients are built with. The chain and BullMQ own retrying (a hidden client
 * retry would multiply timeouts and quota); logging is off explicitly, so ANTHROPIC_LOG / OPENAI_LOG
 * can never make a client log prompts or outputs; the client's own timeout is the longest per-type
 * one (each call passes its own, see sdkCallOptions).
 */
export function sdkClientOptions(timeoutMs: (type: AiJobType) => number) {
  return { logLevel: 'off' as const, maxRetries: 0, timeout: Math.max(...AI_JOB_TYPES.map(timeoutMs)) };
}

/** Per call: the job's abort signal, this job type's timeout, still no client retry. */
export function sdkCallOptions(signal: AbortSignal, timeoutMs: number) {
  return { signal, timeout: timeoutMs, maxRetries: 0 };
}
