import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { JobsService } from '../../src/modules/jobs/jobs.service';
import { EmailProcessor } from '../../src/modules/jobs/processors';
import { payloadOf } from '../../src/modules/jobs/runtime/job-payload';
import { AI_QUEUE_NAME } from '../../src/modules/jobs/queues';
import { WorkersModule } from '../../src/roles/workers.module';
import { jobLogFields } from '../../src/modules/logging/job-log-fields';

/** How the scripted processor behaves for the next jobs; tests flip it. */
export const aiScript: { mode: 'succeed' | 'fail-for-good' | 'fail-and-retry' | 'rate-limited-once' } = { mode: 'succeed' };

/**
 * An AI processor whose outcome the test decides (the real AI service is another issue's work).
 * On success it enqueues a follow-up indexing job caused by this one, without naming a correlation
 * id, as a service reacting to its own result would.
 */
@Processor(AI_QUEUE_NAME, { concurrency: 2 })
export class ScriptedAiProcessor extends WorkerHost {
  private readonly logger = new Logger('ScriptedAi');

  constructor(private readonly jobs: JobsService) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    const { data } = payloadOf(AI_QUEUE_NAME, job);
    this.logger.log({ msg: `processing ${data.type} of ${data.entityType} ${data.entityId}`, ...jobLogFields(job) });
    if (aiScript.mode === 'fail-for-good') throw new UnrecoverableError(`AI provider rejected ${data.entityId}`);
    if (aiScript.mode === 'fail-and-retry') throw new Error(`AI provider timed out for ${data.entityId}`);
    if (aiScript.mode === 'rate-limited-once') {
      // As a provider's 429 is handled: hold the queue, put the job back, try again later.
      aiScript.mode = 'succeed';
      await this.jobs.queue(AI_QUEUE_NAME).rateLimit(300);
      throw Worker.RateLimitError();
    }
    await this.jobs.enqueue(
      'indexing',
      'update',
      { organizationId: data.organizationId, operation: 'update', entityType: data.entityType, entityId: data.entityId },
      { causedBy: job },
    );
    return { summarized: data.entityId };
  }
}

/** Workers for the AI queue with the scripted processor (and, with `email`, the real email consumer). */
export const scriptedAiWorkers = (options: { email?: boolean } = {}) =>
  options.email
    ? WorkersModule.forQueues(['ai-processing', 'email'], { processors: [ScriptedAiProcessor, EmailProcessor] })
    : WorkersModule.forQueues(['ai-processing'], { processors: [ScriptedAiProcessor] });
