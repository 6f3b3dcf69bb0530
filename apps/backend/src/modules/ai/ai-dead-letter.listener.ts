import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { JobDeadLetteredEvent } from '../jobs/dead-letter/job-dead-lettered.event';
import { AI_QUEUE_NAME } from '../jobs/queues/ai.queue';
import { AiService } from './ai.service';

/** When an AI job is dead-lettered, the entity's AI status becomes `unavailable` with the reason. */
@Injectable()
export class AiDeadLetterListener {
  constructor(private readonly ai: AiService) {}

  @OnEvent(JobDeadLetteredEvent.eventName, { promisify: true })
  async onDeadLettered(event: JobDeadLetteredEvent): Promise<void> {
    if (event.queue === AI_QUEUE_NAME) await this.ai.recordFinalFailure(event.job, new Error(event.reason));
  }
}
