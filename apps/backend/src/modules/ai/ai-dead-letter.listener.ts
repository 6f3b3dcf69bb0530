import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { JobDeadLetteredEvent } from '../jobs/dead-letter/job-dead-lettered.event';
import { AI_QUEUE_NAME } from '../jobs/queues/ai.queue';
import { openedPayloadOf } from '../jobs/sealing/opened-payloads';
import { PayloadSealer } from '../jobs/sealing/payload-sealer';
import { AiService } from './ai.service';

/** When an AI job is dead-lettered, the entity's AI status becomes `unavailable` with the reason. */
@Injectable()
export class AiDeadLetterListener {
  constructor(
    private readonly ai: AiService,
    private readonly sealer: PayloadSealer,
  ) {}

  @OnEvent(JobDeadLetteredEvent.eventName, { promisify: true })
  async onDeadLettered(event: JobDeadLetteredEvent): Promise<void> {
    if (event.queue !== AI_QUEUE_NAME) return;
    // Opened by the worker that failed it, or (filed by the sweep) still sealed; a shredded tenant's stays unknown.
    const data = await this.sealer.open(openedPayloadOf(event.job)).catch(() => undefined);
    await this.ai.recordFinalFailure(event.job, data, new Error(event.reason));
  }
}
