import type { AiJobType } from '../../jobs/types';
import { AiProvider, AiTask, ProviderFailure, ProviderResult } from '../ai.types';
import { LocalThreadPool } from '../local/local-thread-pool';

const SUPPORTED: ReadonlySet<AiJobType> = new Set(['generate-summary', 'categorize', 'note-cleanup']);

/**
 * The offline provider: no network, no tokens. It does not translate; a chain of only this
 * provider makes translation "unavailable" instead of pretending.
 */
export class LocalProvider implements AiProvider {
  readonly name = 'local' as const;
  readonly model = 'extractive-v1';

  constructor(
    private readonly threads: LocalThreadPool,
    private readonly timeoutMs: (type: AiJobType) => number,
  ) {}

  supports(type: AiJobType): boolean {
    return SUPPORTED.has(type);
  }

  async run(task: AiTask, signal: AbortSignal): Promise<ProviderResult> {
    if (!this.supports(task.type)) throw new ProviderFailure(this.name, 'unsupported', `cannot ${task.type}`);
    signal.throwIfAborted();
    const timeoutMs = this.timeoutMs(task.type);
    let text: string | null;
    try {
      switch (task.type) {
        case 'generate-summary':
          text = await this.threads.run({ op: 'summarize', text: task.content, maxChars: task.summaryMaxChars }, timeoutMs);
          break;
        case 'categorize':
          text = await this.threads.run({ op: 'categorize', text: task.content, categories: task.categories }, timeoutMs);
          if (text === null)
            throw new ProviderFailure(this.name, 'permanent', 'no category matched and the organization has no "Other" category');
          break;
        default:
          text = await this.threads.run({ op: 'cleanup', text: task.content }, timeoutMs);
      }
    } catch (err) {
      if (err instanceof ProviderFailure) throw err;
      throw new ProviderFailure(this.name, 'transient', (err as Error).message);
    }
    return { text: text ?? '', usage: null };
  }
}
