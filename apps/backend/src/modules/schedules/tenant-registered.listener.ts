import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { TenantRegisteredEvent } from '../events/tenant.events';
import { ScheduleReconcilerService } from './schedule-reconciler.service';

/** A new tenant gets its default schedules at once, not at the next start of a worker. */
@Injectable()
export class TenantRegisteredListener {
  private readonly logger = new Logger('Schedules');

  constructor(private readonly reconciler: ScheduleReconcilerService) {}

  @OnEvent(TenantRegisteredEvent.eventName, { async: true })
  async onRegistered(event: TenantRegisteredEvent): Promise<void> {
    try {
      await this.reconciler.reconcileTenant(event.organizationId);
    } catch (err) {
      // The rows are there (the reconcile inserts them first or not at all); the next full pass at any start applies them.
      this.logger.error(`tenant ${event.organizationId}: could not set up its schedules: ${(err as Error).message}`);
    }
  }
}
