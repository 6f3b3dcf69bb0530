import { AiProvider, AiTask, FailureKind, ProviderFailure, ProviderResult } from './ai.types';
import { CANCEL_REASON, JobCancelledError } from '../jobs/cancellation/job-cancellation';
import { CallRecord, ChainExhaustedError, runChain } from './provider-chain';

const task: AiTask = { type: 'generate-summary', content: 'text', categories: [], summaryMaxChars: 50 };

function provider(
  name: AiProvider['name'],
  behave: (signal: AbortSignal) => Promise<ProviderResult>,
  supports = true,
): AiProvider & { calls: number } {
  const p = {
    name,
    model: `${name}-model`,
    calls: 0,
    supports: () => supports,
    run: (_t: AiTask, signal: AbortSignal) => {
      p.calls++;
      return behave(signal);
    },
  };
  return p;
}
const fails = (name: AiProvider['name'], kind: FailureKind, retryAfterMs?: number) =>
  provider(name, async () => {
    throw new ProviderFailure(name, kind, kind, retryAfterMs);
  });
const answers = (name: AiProvider['name'], text: string) =>
  provider(name, async () => ({ text, usage: { inputTokens: 3, outputTokens: 2 } }));

describe('runChain', () => {
  it('returns the first valid answer and does not call later providers', async () => {
    const [a, b] = [answers('anthropic', 'sum'), answers('openai', 'other')];
    const calls: CallRecord[] = [];
    const r = await runChain([a, b], task, 1000, (c) => calls.push(c));
    expect(r).toMatchObject({ provider: 'anthropic', output: 'sum', usage: { inputTokens: 3, outputTokens: 2 } });
    expect(b.calls).toBe(0);
    expect(calls.map((c) => c.outcome)).toEqual(['ok']);
  });

  it.each<FailureKind>(['transient', 'rate-limited', 'permanent', 'invalid-output'])('moves on after a %s failure', async (kind) => {
    const r = await runChain([fails('anthropic', kind, 10), answers('openai', 'ok')], task, 1000);
    expect(r.provider).toBe('openai');
  });

  it('treats an output that fails validation as that provider failing', async () => {
    const calls: CallRecord[] = [];
    const r = await runChain([answers('anthropic', 'x'.repeat(51)), answers('openai', 'fine')], task, 1000, (c) => calls.push(c));
    expect(r.provider).toBe('openai');
    expect(calls.map((c) => [c.provider, c.outcome])).toEqual([
      ['anthropic', 'invalid-output'],
      ['openai', 'ok'],
    ]);
    // The rejected answer still spent tokens.
    expect(calls[0].usage).toEqual({ inputTokens: 3, outputTokens: 2 });
  });

  it('aborts the call in flight when the job is cancelled, and calls no further provider', async () => {
    const job = new AbortController();
    let seenReason: unknown;
    const hangs = provider(
      'anthropic',
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            seenReason = signal.reason;
            reject(new ProviderFailure('anthropic', 'transient', 'aborted'));
          }),
        ),
    );
    const next = answers('openai', 'ok');
    setTimeout(() => job.abort(CANCEL_REASON), 20);
    const started = Date.now();
    await expect(runChain([hangs, next], task, 60_000, undefined, { signal: job.signal, id: '7' })).rejects.toBeInstanceOf(
      JobCancelledError,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seenReason).toBe(CANCEL_REASON);
    expect(next.calls).toBe(0);
  });

  it('does not start a call for a job already cancelled', async () => {
    const job = new AbortController();
    job.abort(CANCEL_REASON);
    const a = answers('anthropic', 'sum');
    await expect(runChain([a], task, 1000, undefined, { signal: job.signal })).rejects.toBeInstanceOf(JobCancelledError);
    expect(a.calls).toBe(0);
  });

  it('aborts a call at the timeout', async () => {
    const hangs = provider(
      'anthropic',
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new ProviderFailure('anthropic', 'transient', 'timeout'))),
        ),
    );
    const started = Date.now();
    const r = await runChain([hangs, answers('openai', 'ok')], task, 150);
    expect(r.provider).toBe('openai');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it.each<[string, AiProvider[], { permanent: boolean; retryAfterMs: number | undefined }]>([
    ['all permanent', [fails('anthropic', 'permanent'), fails('local', 'unsupported')], { permanent: true, retryAfterMs: undefined }],
    ['one transient', [fails('anthropic', 'permanent'), fails('openai', 'transient')], { permanent: false, retryAfterMs: undefined }],
    [
      'rate limits',
      [fails('anthropic', 'rate-limited', 3000), fails('openai', 'rate-limited', 1000)],
      { permanent: false, retryAfterMs: 1000 },
    ],
    [
      'rate limit and refusal',
      [fails('anthropic', 'rate-limited', 3000), fails('openai', 'permanent')],
      { permanent: false, retryAfterMs: 3000 },
    ],
  ])('classifies exhaustion: %s', async (_name, providers, expected) => {
    const err = await runChain(providers, task, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainExhaustedError);
    expect({ permanent: (err as ChainExhaustedError).permanent, retryAfterMs: (err as ChainExhaustedError).retryAfterMs }).toEqual(
      expected,
    );
  });

  it('skips providers that do not support the job type without calling them', async () => {
    const local = provider('local', async () => ({ text: 'x', usage: null }), false);
    const err = (await runChain([local], { ...task, type: 'translate', targetLanguage: 'de' }, 1000).catch(
      (e: unknown) => e,
    )) as ChainExhaustedError;
    expect(local.calls).toBe(0);
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('local: does not support translate');
  });
});
