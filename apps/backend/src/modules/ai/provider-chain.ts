import { AiProvider, AiProviderName, AiTask, ProviderFailure, TokenUsage } from './ai.types';
import { throwIfCancelled } from '../jobs/cancellation/job-cancellation';
import { AI_QUEUE_NAME } from '../jobs/queues/ai.queue';
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
 * Each call is bounded by its own AbortSignal timeout, and by the job's signal: a cancelled job's
 * call is aborted at once (the SDKs close the request) and the chain stops, throwing `JobCancelledError`.
 */
export async function runChain(
  providers: readonly AiProvider[],
  task: AiTask,
  timeoutMs: number,
  onCall: (call: CallRecord) => void = () => undefined,
  job: { signal?: AbortSignal; id?: string } = {},
): Promise<ChainSuccess> {
  const failures: ProviderFailure[] = [];
  const cancelled = () => throwIfCancelled(job.signal, AI_QUEUE_NAME, job.id);
  for (const provider of providers) {
    cancelled();
    if (!provider.supports(task.type)) {
      failures.push(new ProviderFailure(provider.name, 'unsupported', `does not support ${task.type}`));
      continue;
    }
    const started = Date.now();
    let usage: TokenUsage | null = null;
    try {
      const timeout = AbortSignal.timeout(timeoutMs);
      const result = await provider.run(task, job.signal ? AbortSignal.any([job.signal, timeout]) : timeout);
      usage = result.usage;
      const output = validateOutput(provider.name, task, result.text);
      const latencyMs = Date.now() - started;
      onCall({ provider: provider.name, model: provider.model, outcome: 'ok', usage, latencyMs });
      return { provider: provider.name, model: provider.model, output, usage, latencyMs };
    } catch (err) {
      // A provider reports an abort as its own failure; a cancel is not one, and ends the chain.
      cancelled();
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
