import type { AppConfig } from '../../config/configuration';
import { CASE_ENTITY_TYPE, CaseAssignedEvent, CaseCreatedEvent, CaseDeletedEvent, CaseUpdatedEvent } from '../events/case.events';
import { OutboxJob, outboxJob } from '../jobs/outbox/job-outbox.repository';
import type { IndexingOperation } from '../jobs/types';

/** "jane.doe@x.org" -> "Jane Doe": the best name we have until users have profiles. */
export function nameFromEmail(email: string): string {
  const local = email.split('@')[0] ?? email;
  const words = local.split(/[._+-]+/).filter(Boolean);
  return words.length ? words.map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') : local;
}

type CaseWriteEvent = CaseCreatedEvent | CaseUpdatedEvent | CaseDeletedEvent | CaseAssignedEvent;

/**
 * The jobs a case write triggers, staged in the outbox in the write's own transaction (so a
 * committed version is always indexed and an assignment always mailed, whatever Redis does).
 * Keys carry the version: one job per written version, however many events the write produced.
 */
export function caseJobs(event: CaseWriteEvent, cases: AppConfig['cases']): OutboxJob[] {
  if (event instanceof CaseAssignedEvent) {
    return [
      outboxJob(
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
            caseUrl: cases.urlTemplate.replace('{id}', encodeURIComponent(event.caseId)),
          },
        },
        { idempotencyKey: `case-assigned:${event.caseId}:v${event.version}`, priority: 'normal' },
      ),
    ];
  }
  const operation: IndexingOperation =
    event instanceof CaseCreatedEvent ? 'create' : event instanceof CaseDeletedEvent ? 'delete' : 'update';
  return [
    outboxJob(
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
      { idempotencyKey: `index:${CASE_ENTITY_TYPE}:${event.caseId}:v${event.version}`, priority: 'normal' },
    ),
  ];
}
