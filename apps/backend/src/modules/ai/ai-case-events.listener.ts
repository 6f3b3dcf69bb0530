import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CASE_ENTITY_TYPE } from '../events/case.events';
import { CaseCreatedEvent } from '../events/case.events';
import { JobsService } from '../jobs/jobs.service';
import { AI_QUEUE_NAME } from '../jobs/queues/ai.queue';
import type { AiJobType } from '../jobs/types';
import { AiResultsService } from './ai-results.service';

/** What a new case gets from AI. */
const ON_CASE_CREATED: AiJobType[] = ['generate-summary', 'categorize'];

/**
 * A new case gets a summary and a category. The jobs carry no text: the worker reads the case
 * row when it runs. Like the other case listeners this runs async where the write happened; an
 * enqueue that fails is logged and the case simply has no AI result.
 */
@Injectable()
export class AiCaseEventsListener {
  private readonly logger = new Logger(AiCaseEventsListener.name);

  constructor(
    private readonly jobs: JobsService,
    private readonly results: AiResultsService,
  ) {}

  @OnEvent(CaseCreatedEvent.eventName, { async: true })
  async onCreated(event: CaseCreatedEvent): Promise<void> {
    await Promise.all(ON_CASE_CREATED.map((type) => this.enqueue(type, event)));
  }

  private async enqueue(type: AiJobType, event: CaseCreatedEvent): Promise<void> {
    try {
      const job = await this.jobs.enqueue(
        AI_QUEUE_NAME,
        type,
        {
          type,
          organizationId: event.organizationId,
          correlationId: event.correlationId,
          entityType: CASE_ENTITY_TYPE,
          entityId: event.caseId,
        },
        { idempotencyKey: `ai:${type}:${CASE_ENTITY_TYPE}:${event.caseId}:v${event.version}`, priority: 'normal' },
      );
      await this.results.markQueued(
        { organizationId: event.organizationId, entityType: CASE_ENTITY_TYPE, entityId: event.caseId, type },
        job.id,
      );
    } catch (err) {
      this.logger.error(`case ${event.caseId} v${event.version}: could not enqueue ${type}: ${(err as Error).message}`);
    }
  }
}
