import { AiProvider, AiProviderName, AiTask, ProviderFailure, TokenUsage } from './ai.types';
import { validateOutput } from './output-validation';

export interface ChainSuccess {
  provider: AiProviderName;
  model: string;
  output: string;
  usage: TokenUsage | null;
  latencyMs: number;
}

/** One provider call as it happened, for the usage ledger and the logs (no text). */
export interface CallRecord {
  provider: AiProviderName;
  model: string;
  outcome: 'ok' | ProviderFailure['kind'];
  usage: TokenUsage | null;
  latencyMs: number;
}

/** Every provider failed in this attempt; `failures` in chain order. */
export class ChainExhaustedError extends Error {
  constructor(readonly failures: ProviderFailure[]) {
    super(`all AI providers failed: ${failures.map((f) => f.message).join('; ')}`);
    this.name = 'ChainExhaustedError';
  }

  /** No provider can ever do this job: retrying is pointless. */
  get permanent(): boolean {
    return this.failures.every((f) => f.kind === 'permanent' || f.kind === 'unsupported');
  }

  /** The shortest wait a rate-limiting provider asked for, if any asked. */
  get retryAfterMs(): number | undefined {
    const waits = this.failures.flatMap((f) => (f.kind === 'rate-limited' && f.retryAfterMs !== undefined ? [f.retryAfterMs] : []));
    return waits.length ? Math.min(...waits) : undefined;
  }
}

/**
 * Tries the providers in order within one attempt: the first valid answer wins; a transient
 * failure, a rate limit, an invalid answer or a permanent refusal moves on to the next provider.
 * Each call is bounded by its own AbortSignal timeout.
 */
export async function runChain(
  providers: readonly AiProvider[],
  task: AiTask,
  timeoutMs: number,
  onCall: (call: CallRecord) => void = () => undefined,
): Promise<ChainSuccess> {
  const failures: ProviderFailure[] = [];
  for (const provider of providers) {
    if (!provider.supports(task.type)) {
      failures.push(new ProviderFailure(provider.name, 'unsupported', `does not support ${task.type}`));
      continue;
    }
    const started = Date.now();
    let usage: TokenUsage | null = null;
    try {
      const result = await provider.run(task, AbortSignal.timeout(timeoutMs));
      usage = result.usage;
      const output = validateOutput(provider.name, task, result.text);
      const latencyMs = Date.now() - started;
      onCall({ provider: provider.name, model: provider.model, outcome: 'ok', usage, latencyMs });
      return { provider: provider.name, model: provider.model, output, usage, latencyMs };
    } catch (err) {
      const failure =
        err instanceof ProviderFailure
          ? err
          : new ProviderFailure(provider.name, 'transient', `unexpected error (${(err as Error)?.name})`);
      onCall({
        provider: provider.name,
        model: provider.model,
        outcome: failure.kind,
        usage: failure.usage ?? usage,
        latencyMs: Date.now() - started,
      });
      failures.push(failure);
    }
  }
  throw new ChainExhaustedError(failures);
}
