import { BaseEvent, EventContext } from './base.event';

/** A tenant seen for the first time (its first case): the schedules feature gives it its default schedules. */
export class TenantRegisteredEvent extends BaseEvent {
  static readonly eventName = 'tenant.registered';
  readonly eventName = TenantRegisteredEvent.eventName;
  constructor(ctx: EventContext) {
    super(ctx);
  }
}
