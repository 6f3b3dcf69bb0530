import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { OPEN_CASE_STATUSES } from '../cases/case.types';
import { DatabaseService } from '../database/database.service';
import { JobsService } from '../jobs/jobs.service';
import { TenantSchedulesRepository } from './tenant-schedules.repository';
import { formatInZone } from './zoned-time';

export interface SlaCheckResult {
  /** Notifications this run recorded (case and threshold seen for the first time). */
  recorded: number;
  /** Emails this run enqueued: its own, and any a crashed run recorded but never enqueued. */
  enqueued: number;
}

interface PendingRow {
  id: string;
  case_id: string;
  threshold: 'due-soon' | 'breached';
  due_at: Date;
  recipient: string;
  number: number;
  title: string;
}

const OPEN = `status IN (${OPEN_CASE_STATUSES.map((s) => `'${s}'`).join(', ')})`;
/** Per run; a bigger backlog (a tenant's first run) is worked off by the next runs. */
const BATCH = 500;

/**
 * Warns a case's assignee when its due time comes near (due-soon) and when it passes (breached).
 * Exactly once per case, threshold and deadline: a row in sla_notifications is inserted first (its
 * unique key decides, whatever runs overlap), then the email job is enqueued under an idempotency
 * key of the same three, then the row is marked. A crash between the two leaves the row unmarked;
 * the next run enqueues it again and the idempotency key makes that the same job.
 */
@Injectable()
export class SlaCheckService {
  constructor(
    private readonly db: DatabaseService,
    private readonly jobs: JobsService,
    private readonly schedules: TenantSchedulesRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async run(organizationId: string, job: Job, now = new Date()): Promise<SlaCheckResult> {
    const recorded = await this.db.query(
      `INSERT INTO sla_notifications (case_id, organization_id, threshold, due_at, recipient)
       SELECT id, organization_id, CASE WHEN due_at <= $2 THEN 'breached' ELSE 'due-soon' END, due_at, assignee_email
       FROM cases
       WHERE organization_id = $1 AND ${OPEN} AND assignee_email IS NOT NULL AND due_at <= $3
       ON CONFLICT (case_id, threshold, due_at) DO NOTHING
       RETURNING id`,
      [organizationId, now, new Date(now.getTime() + this.config.schedules.warningLeadMs)],
    );
    const timezone = (await this.schedules.get(organizationId, 'sla-check'))?.timezone ?? this.config.schedules.defaults.timezone;
    const enqueued = await this.db.transaction(async (client) => {
      // SKIP LOCKED: an overlapping run leaves these to this one instead of waiting to repeat them.
      const pending = await client.query<PendingRow>(
        `SELECT n.id, n.case_id, n.threshold, n.due_at, n.recipient, c.number, c.title
         FROM sla_notifications n JOIN cases c ON c.id = n.case_id
         WHERE n.organization_id = $1 AND n.enqueued_at IS NULL AND c.${OPEN}
         ORDER BY n.id LIMIT ${BATCH} FOR UPDATE OF n SKIP LOCKED`,
        [organizationId],
      );
      for (const n of pending.rows) {
        const email = await this.jobs.enqueue(
          'email',
          'send-email',
          {
            organizationId,
            templateId: 'sla-breach-warning',
            to: n.recipient,
            context: {
              caseNumber: n.number,
              caseTitle: n.title,
              slaName: n.threshold === 'breached' ? 'resolution (overdue)' : 'resolution',
              dueAt: formatInZone(n.due_at, timezone),
              caseUrl: this.config.cases.urlTemplate.replace('{id}', encodeURIComponent(n.case_id)),
            },
          },
          { idempotencyKey: `sla:${n.case_id}:${n.threshold}:${n.due_at.getTime()}`, priority: 'high', causedBy: job },
        );
        await client.query('UPDATE sla_notifications SET enqueued_at = now(), email_job_id = $2 WHERE id = $1', [n.id, email.id]);
      }
      return pending.rows.length;
    });
    return { recorded: recorded.length, enqueued };
  }
}
