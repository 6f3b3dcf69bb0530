import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { InjectConfig } from '../../config/app-config.module';
import type { AppConfig } from '../../config/configuration';
import { JobsService } from '../jobs/jobs.service';
import { AI_QUEUE_NAME } from '../jobs/queues/ai.queue';
import { AiJobData, aiJobDataSchema } from '../jobs/types';
import { AiCategoriesService } from './ai-categories.service';
import { AiContentService } from './ai-content.service';
import { estimateCostUsd } from './ai-pricing';
import { AiResultKey, AiResultsService } from './ai-results.service';
import type { AiProvider, AiTask } from './ai.types';
import { isJobCancelled } from '../jobs/cancellation/job-cancellation';
import { CallRecord, ChainExhaustedError, runChain } from './provider-chain';
import { jobLogFields } from '../logging/job-log-fields';

export const AI_PROVIDERS = Symbol('AI_PROVIDERS');

/** What the job returns (stored in Redis): the outcome's metadata, never the text. */
export interface AiJobResult {
  status: 'ready';
  provider: string;
  model: string;
  inputTokens: number | null;
  outputTokens: number | null;
  latencyMs: number;
}

const keyOf = (d: AiJobData): AiResultKey => ({
  organizationId: d.organizationId,
  entityType: d.entityType,
  entityId: d.entityId,
  type: d.type,
  targetLanguage: d.type === 'translate' ? d.targetLanguage : undefined,
});

/**
 * Runs one AI job: loads the text, asks the provider chain, stores the outcome. How a failure
 * leaves decides what BullMQ does: every provider refusing for good is an UnrecoverableError;
 * a provider's retry-after pauses the whole queue without spending an attempt; anything else
 * fails the attempt, to be retried with backoff.
 */
@Injectable()
export class AiService {
  private readonly logger = new Logger('AI');

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Inject(AI_PROVIDERS) private readonly providers: AiProvider[],
    private readonly results: AiResultsService,
    private readonly content: AiContentService,
    private readonly categories: AiCategoriesService,
    private readonly jobs: JobsService,
  ) {}

  /** `signal`: the job's; cancelling the job aborts the provider call in flight. */
  async run(data: AiJobData, job: Job, signal?: AbortSignal): Promise<AiJobResult> {
    const key = keyOf(data);
    const jobId = job.id!;
    const attempt = job.attemptsMade + 1;
    if (!(await this.results.markAttempt(key, jobId, attempt))) await this.results.markPending(key, jobId, attempt);

    const task: AiTask = {
      type: data.type,
      content: await this.content.contentFor(data),
      targetLanguage: data.targetLanguage,
      categories: data.type === 'categorize' ? await this.categories.forOrganization(data.organizationId) : [],
      summaryMaxChars: this.config.ai.summaryMaxChars,
    };

    const recorded: Promise<void>[] = [];
    const onCall = (call: CallRecord) => {
      this.logger.debug({
        msg: `job ${jobId} ${data.type}: ${call.provider} ${call.outcome} in ${call.latencyMs} ms`,
        ...jobLogFields(job),
      });
      if (call.usage || call.outcome === 'ok') {
        const write = this.results.recordCall(key, jobId, call, estimateCostUsd(this.config.ai.prices, call.provider, call.usage));
        // Awaited below; handled now so a failed write is not an unhandled rejection meanwhile.
        write.catch(() => undefined);
        recorded.push(write);
      }
    };

    try {
      const success = await runChain(this.providers, task, this.config.ai.timeoutMs[data.type], onCall, { signal, id: jobId });
      await Promise.all(recorded);
      const costUsd = estimateCostUsd(this.config.ai.prices, success.provider, success.usage);
      await this.results.markReady(key, jobId, attempt, { ...success, costUsd });
      this.logger.log({
        msg: `job ${jobId} ${data.type} for ${data.entityType} ${data.entityId}: ready via ${success.provider} in ${success.latencyMs} ms`,
        ...jobLogFields(job),
      });
      return {
        status: 'ready',
        provider: success.provider,
        model: success.model,
        inputTokens: success.usage?.inputTokens ?? null,
        outputTokens: success.usage?.outputTokens ?? null,
        latencyMs: success.latencyMs,
      };
    } catch (err) {
      await Promise.allSettled(recorded);
      // Cancelled: no dead letter will say so, so the entity's pending result says it here.
      if (isJobCancelled(err)) await this.recordFinalFailure(job, data, err as Error);
      if (!(err instanceof ChainExhaustedError)) throw err;
      this.logger.warn({ msg: `job ${jobId} ${data.type} attempt ${attempt}: ${err.message}`, ...jobLogFields(job) });
      if (err.permanent) throw new UnrecoverableError(err.message);
      const waitMs = err.retryAfterMs;
      if (waitMs !== undefined && waitMs <= this.config.ai.maxRateLimitWaitMs) {
        // Every provider that could take the job is busy: pause the queue (all AI workers) and
        // put the job back without spending an attempt.
        await this.jobs.queue(AI_QUEUE_NAME).rateLimit(Math.max(waitMs, 1));
        throw Worker.RateLimitError();
      }
      throw err;
    }
  }

  /** After the last attempt: the entity shows AI as unavailable, with the reason. */
  async recordFinalFailure(job: Job, data: unknown, err: Error): Promise<void> {
    const parsed = aiJobDataSchema.safeParse(data);
    if (!parsed.success || !job.id) return;
    try {
      await this.results.markUnavailable(keyOf(parsed.data), job.id, job.attemptsMade, err.message || 'unknown failure');
    } catch (e) {
      this.logger.error({ msg: `could not mark job ${job.id} unavailable: ${(e as Error).message}`, ...jobLogFields(job) });
    }
  }
}
