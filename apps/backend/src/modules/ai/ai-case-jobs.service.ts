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

/**
 * A new case gets a summary and a category. The jobs carry no text: the worker reads the case
 * row when it runs. They are staged in the outbox in the case's own transaction, together with
 * their pending results (the job id is known before the job exists: it derives from the key).
 */
@Injectable()
export class AiCaseJobsService {
  constructor(private readonly results: AiResultsService) {}

  async forNewCase(client: PoolClient, event: CaseCreatedEvent): Promise<OutboxJob[]> {
    const jobs: OutboxJob[] = [];
    for (const type of ON_CASE_CREATED) {
      const idempotencyKey = `ai:${type}:${CASE_ENTITY_TYPE}:${event.caseId}:v${event.version}`;
      jobs.push(
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
          { idempotencyKey, priority: 'normal' },
        ),
      );
      await this.results.markQueued(
        { organizationId: event.organizationId, entityType: CASE_ENTITY_TYPE, entityId: event.caseId, type },
        idempotentJobId(event.organizationId, idempotencyKey),
        client,
      );
    }
    return jobs;
  }
}
