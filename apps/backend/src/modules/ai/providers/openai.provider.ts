import { OpenAI } from 'openai';
import type { AiConfig } from '../../../config/configuration';
import type { AiJobType } from '../../jobs/types';
import { AiProvider, AiTask, ProviderFailure, ProviderResult } from '../ai.types';
import { classifySdkError, sdkCallOptions, sdkClientOptions } from './http-failure';
import { buildPrompt } from './prompts';

/** Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM) via the official client. */
export class OpenAiProvider implements AiProvider {
  readonly name = 'openai' as const;
  readonly model: string;
  private readonly client: OpenAI;

  constructor(
    config: AiConfig['openai'],
    private readonly timeoutMs: (type: AiJobType) => number,
  ) {
    this.model = config.model;
    this.client = new OpenAI({
      // Keyless local servers (Ollama, vLLM) accept any key; the client insists on one.
      apiKey: config.apiKey ?? 'not-needed',
      baseURL: config.baseUrl ?? 'https://api.openai.com/v1',
      organization: null,
      project: null,
      webhookSecret: null,
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
      const completion = await this.client.chat.completions.create(
        {
          model: this.model,
          max_tokens: prompt.maxTokens,
          messages: [
            { role: 'system', content: prompt.system },
            { role: 'user', content: prompt.user },
          ],
        },
        sdkCallOptions(signal, timeoutMs),
      );
      const usage = { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 };
      const choice = completion.choices?.[0];
      if (!choice || choice.finish_reason === 'length' || choice.finish_reason === 'content_filter') {
        throw new ProviderFailure(this.name, 'invalid-output', `no usable choice (${choice?.finish_reason ?? 'none'})`, undefined, usage);
      }
      return { text: (choice.message.content ?? '').trim(), usage };
    } catch (err) {
      throw classifySdkError(this.name, err, signal, timeoutMs);
    }
  }
}
