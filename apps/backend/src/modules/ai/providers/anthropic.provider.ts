import { Anthropic } from '@anthropic-ai/sdk';
import type { AiConfig } from '../../../config/configuration';
import type { AiJobType } from '../../jobs/types';
import { AiProvider, AiTask, ProviderFailure, ProviderResult } from '../ai.types';
import { classifySdkError, sdkCallOptions, sdkClientOptions } from './http-failure';
import { buildPrompt } from './prompts';

/** Claude through the official client's Messages API. */
export class AnthropicProvider implements AiProvider {
  readonly name = 'anthropic' as const;
  readonly model: string;
  private readonly client: Anthropic;

  constructor(
    config: AiConfig['anthropic'],
    private readonly timeoutMs: (type: AiJobType) => number,
  ) {
    this.model = config.model;
    this.client = new Anthropic({
      // Everything explicit, so the client reads no environment variables or credential files.
      apiKey: config.apiKey ?? null,
      authToken: null,
      webhookKey: null,
      baseURL: config.baseUrl,
      ...sdkClientOptions(timeoutMs),
    });
  }

  supports(): boolean {
    return true;
  }

  async run(task: AiTask, signal: AbortSignal): Promise<ProviderResult> {
    const prompt = buildPrompt(task);
    const timeoutMs = this.timeoutMs(task.type);
    try {
      const message = await this.client.messages.create(
        {
          model: this.model,
          max_tokens: prompt.maxTokens,
          system: prompt.system,
          messages: [{ role: 'user', content: prompt.user }],
        },
        sdkCallOptions(signal, timeoutMs),
      );
      const usage = { inputTokens: message.usage?.input_tokens ?? 0, outputTokens: message.usage?.output_tokens ?? 0 };
      const text = message.content
        .flatMap((block) => (block.type === 'text' ? [block.text] : []))
        .join('')
        .trim();
      if (message.stop_reason === 'max_tokens') {
        throw new ProviderFailure(this.name, 'invalid-output', 'output cut off at max_tokens', undefined, usage);
      }
      return { text, usage };
    } catch (err) {
      throw classifySdkError(this.name, err, signal, timeoutMs);
    }
  }
}
