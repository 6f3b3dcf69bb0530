import { BaseEvent, EventContext } from './base.event';

/** Search documents and AI results name cases with this entity type. */
export const CASE_ENTITY_TYPE = 'case';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Anything else cannot name a case; checked before it reaches a uuid column (which would raise). */
export const isCaseId = (id: string): boolean => UUID.test(id);

/** A case's statuses (the cases table's CHECK constraint); here so that job payloads can name them too. */
export const CASE_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** The fields of a case an event is built from (the cases feature's Case has them all). */
interface CaseSnapshot {
  id: string;
  number: number;
  version: number;
  title: string;
}

/** What every case event says about the case: enough to enqueue follow-up work without a read. */
interface CaseRef {
  caseId: string;
  caseNumber: number;
  version: number;
  title: string;
}

abstract class CaseEvent extends BaseEvent {
  /** The dot name it is emitted under, also on the instance for wildcard (`case.*`) listeners. */
  abstract readonly eventName: string;
  readonly caseId: string;
  readonly caseNumber: number;
  /** The version the write produced (for a delete: one past the last stored version). */
  readonly version: number;
  readonly title: string;

  protected constructor(ctx: EventContext, ref: CaseRef) {
    super(ctx);
    this.caseId = ref.caseId;
    this.caseNumber = ref.caseNumber;
    this.version = ref.version;
    this.title = ref.title;
  }
}

const refOf = (c: CaseSnapshot): CaseRef => ({ caseId: c.id, caseNumber: c.number, version: c.version, title: c.title });

export class CaseCreatedEvent extends CaseEvent {
  static readonly eventName = 'case.created';
  readonly eventName = CaseCreatedEvent.eventName;
  constructor(ctx: EventContext, c: CaseSnapshot) {
    super(ctx, refOf(c));
  }
}

export class CaseUpdatedEvent extends CaseEvent {
  static readonly eventName = 'case.updated';
  readonly eventName = CaseUpdatedEvent.eventName;
  constructor(
    ctx: EventContext,
    c: CaseSnapshot,
    readonly changedFields: string[],
  ) {
    super(ctx, refOf(c));
  }
}

export class CaseStatusChangedEvent extends CaseEvent {
  static readonly eventName = 'case.status_changed';
  readonly eventName = CaseStatusChangedEvent.eventName;
  constructor(
    ctx: EventContext,
    c: CaseSnapshot,
    readonly previousStatus: string,
    readonly status: string,
  ) {
    super(ctx, refOf(c));
  }
}

export class CaseAssignedEvent extends CaseEvent {
  static readonly eventName = 'case.assigned';
  readonly eventName = CaseAssignedEvent.eventName;
  constructor(
    ctx: EventContext,
    c: CaseSnapshot,
    readonly assigneeEmail: string,
    readonly previousAssigneeEmail: string | null,
  ) {
    super(ctx, refOf(c));
  }
}

export class CaseDeletedEvent extends CaseEvent {
  static readonly eventName = 'case.deleted';
  readonly eventName = CaseDeletedEvent.eventName;
  constructor(ctx: EventContext, c: CaseSnapshot) {
    super(ctx, { ...refOf(c), version: c.version + 1 });
  }
}

export type AnyCaseEvent = CaseCreatedEvent | CaseUpdatedEvent | CaseStatusChangedEvent | CaseAssignedEvent | CaseDeletedEvent;
