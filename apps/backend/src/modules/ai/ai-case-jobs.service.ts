import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { CASE_ENTITY_TYPE, CaseCreatedEvent } from '../events/case.events';
import { idempotentJobId } from '../jobs/idempotency';
import { OutboxJob, outboxJob } from '../jobs/outbox/job-outbox.repository';
import { AI_QUEUE_NAME } from '../jobs/queues/ai.queue';
import type { AiJobType } from '../jobs/types';
import { AiResultsService } from './ai-results.service';

/** What a new case gets from AI. */
const ON_CASE_CREATED: AiJobType[] = ['generate-summary', 'categorize'];

/** A case's first version: what a new case's jobs are keyed by. */
export const NEW_CASE_VERSION = 1;

const keyOf = (type: AiJobType, caseId: string) => `ai:${type}:${CASE_ENTITY_TYPE}:${caseId}:v${NEW_CASE_VERSION}`;

/**
 * A new case gets a summary and a category. The jobs carry no text: the worker reads the case
 * row when it runs. They are staged in the outbox in the case's own transaction, together with
 * their pending results (the job id is known before the job exists: it derives from the key).
 */
@Injectable()
export class AiCaseJobsService {
  constructor(private readonly results: AiResultsService) {}

  /**
   * The new case's results show as pending, in its transaction. Its id is chosen before the row is
   * written, so this runs before the write takes its tenant's case-number lock.
   */
  markQueued(client: PoolClient, organizationId: string, caseId: string): Promise<void> {
    return this.results.markQueued(
      ON_CASE_CREATED.map((type) => ({
        key: { organizationId, entityType: CASE_ENTITY_TYPE, entityId: caseId, type },
        jobId: idempotentJobId(organizationId, keyOf(type, caseId)),
      })),
      client,
    );
  }

  /** The new case's AI jobs, for the outbox. */
  forNewCase(event: CaseCreatedEvent): OutboxJob[] {
    return ON_CASE_CREATED.map((type) =>
      outboxJob(
        AI_QUEUE_NAME,
        type,
        {
          type,
          organizationId: event.organizationId,
          correlationId: event.correlationId,
          entityType: CASE_ENTITY_TYPE,
          entityId: event.caseId,
        },
        { idempotencyKey: keyOf(type, event.caseId), priority: 'normal' },
      ),
    );
  }
}
