import { randomUUID } from 'node:crypto';
import { currentCorrelation } from '../logging/correlation-context';

export interface EventContext {
  organizationId: string;
  actorUserId?: string;
  correlationId?: string;
}

/**
 * Domain events are emitted after the database write succeeded, under dot names
 * (`case.created`); listeners may subscribe with wildcards (`case.*`).
 */
export abstract class BaseEvent {
  readonly organizationId: string;
  readonly actorUserId?: string;
  readonly correlationId: string;
  readonly occurredAt: Date;

  protected constructor(ctx: EventContext) {
    this.organizationId = ctx.organizationId;
    this.actorUserId = ctx.actorUserId;
    this.correlationId = ctx.correlationId ?? currentCorrelation()?.correlationId ?? randomUUID();
    this.occurredAt = new Date();
  }
}
