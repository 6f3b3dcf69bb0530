import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { JobsService } from '../jobs/jobs.service';
import type { IndexingOperation } from '../jobs/types';
import { CASE_ENTITY_TYPE, CaseAssignedEvent, CaseCreatedEvent, CaseDeletedEvent, CaseUpdatedEvent } from '../events/case.events';

/** "jane.doe@x.org" -> "Jane Doe": the best name we have until users have profiles. */
export function nameFromEmail(email: string): string {
  const local = email.split('@')[0] ?? email;
  const words = local.split(/[._+-]+/).filter(Boolean);
  return words.length ? words.map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') : local;
}

/**
 * Turns case events into jobs. Events are in-process, so this runs where the write happened (the
 * API). Listeners are async: the HTTP answer never waits for Redis. An enqueue that fails is
 * logged; the index heals on the next write of that case or on a reindex.
 */
@Injectable()
export class CaseEventsListener {
  private readonly logger = new Logger(CaseEventsListener.name);

  constructor(
    private readonly jobs: JobsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @OnEvent(CaseCreatedEvent.eventName, { async: true })
  onCreated(event: CaseCreatedEvent): Promise<void> {
    return this.index('create', event);
  }

  // status_changed and assigned always come with an updated event for the same version.
  @OnEvent(CaseUpdatedEvent.eventName, { async: true })
  onUpdated(event: CaseUpdatedEvent): Promise<void> {
    return this.index('update', event);
  }

  @OnEvent(CaseDeletedEvent.eventName, { async: true })
  onDeleted(event: CaseDeletedEvent): Promise<void> {
    return this.index('delete', event);
  }

  @OnEvent(CaseAssignedEvent.eventName, { async: true })
  async onAssigned(event: CaseAssignedEvent): Promise<void> {
    try {
      await this.jobs.enqueue(
        'email',
        'send-email',
        {
          organizationId: event.organizationId,
          correlationId: event.correlationId,
          templateId: 'case-assigned',
          to: event.assigneeEmail,
          context: {
            caseNumber: event.caseNumber,
            caseTitle: event.title,
            assigneeName: nameFromEmail(event.assigneeEmail),
            caseUrl: this.config.cases.urlTemplate.replace('{id}', encodeURIComponent(event.caseId)),
          },
        },
        { idempotencyKey: `case-assigned:${event.caseId}:v${event.version}`, priority: 'normal' },
      );
    } catch (err) {
      this.logger.error(`case ${event.caseId} v${event.version}: could not enqueue the case-assigned email: ${(err as Error).message}`);
    }
  }

  private async index(operation: IndexingOperation, event: CaseCreatedEvent | CaseUpdatedEvent | CaseDeletedEvent): Promise<void> {
    try {
      await this.jobs.enqueue(
        'indexing',
        operation,
        {
          organizationId: event.organizationId,
          correlationId: event.correlationId,
          operation,
          entityType: CASE_ENTITY_TYPE,
          entityId: event.caseId,
          data: { version: event.version },
        },
        // One job per written version, however many events the write produced.
        { idempotencyKey: `index:${CASE_ENTITY_TYPE}:${event.caseId}:v${event.version}`, priority: 'normal' },
      );
    } catch (err) {
      this.logger.error(`case ${event.caseId} v${event.version}: could not enqueue ${operation} indexing: ${(err as Error).message}`);
    }
  }
}
