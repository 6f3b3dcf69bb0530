import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { nameFromEmail } from '../cases/case-jobs';
import { OPEN_CASE_STATUSES } from '../cases/case.types';
import { DatabaseService } from '../database/database.service';
import { JobsService } from '../jobs/jobs.service';
import { TenantSchedulesRepository } from './tenant-schedules.repository';
import { formatInZone, localDate } from './zoned-time';

export interface DailyReminderResult {
  date: string;
  /** One email per assignee with at least one case due soon. */
  emails: number;
  cases: number;
}

interface DueRow {
  id: string;
  number: number;
  title: string;
  due_at: Date;
  assignee_email: string;
}

const OPEN = `status IN (${OPEN_CASE_STATUSES.map((s) => `'${s}'`).join(', ')})`;
/** The template's limit: an assignee with more gets the soonest ones. */
const MAX_CASES = 200;

/**
 * The morning email per assignee listing their open cases due within the window (overdue ones
 * included); nobody with an empty list gets one. The idempotency key names the assignee and the
 * tenant's local day, so a retried or repeated run that day enqueues the same job again.
 */
@Injectable()
export class DailyReminderService {
  constructor(
    private readonly db: DatabaseService,
    private readonly jobs: JobsService,
    private readonly schedules: TenantSchedulesRepository,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async run(organizationId: string, job: Job, now = new Date()): Promise<DailyReminderResult> {
    const timezone = (await this.schedules.get(organizationId, 'daily-reminder'))?.timezone ?? this.config.schedules.defaults.timezone;
    const date = localDate(now, timezone);
    const rows = await this.db.query<DueRow>(
      `SELECT id, number, title, due_at, assignee_email FROM cases
       WHERE organization_id = $1 AND ${OPEN} AND assignee_email IS NOT NULL AND due_at <= $2
       ORDER BY assignee_email, due_at, number`,
      [organizationId, new Date(now.getTime() + this.config.schedules.reminderWindowMs)],
    );
    const byAssignee = new Map<string, DueRow[]>();
    for (const row of rows) byAssignee.set(row.assignee_email, [...(byAssignee.get(row.assignee_email) ?? []), row]);
    for (const [assignee, cases] of byAssignee) {
      await this.jobs.enqueue(
        'email',
        'send-email',
        {
          organizationId,
          templateId: 'daily-reminder',
          to: assignee,
          context: {
            assigneeName: nameFromEmail(assignee),
            date,
            cases: cases.slice(0, MAX_CASES).map((c) => ({
              caseNumber: c.number,
              caseTitle: c.title,
              dueAt: formatInZone(c.due_at, timezone),
              caseUrl: this.config.cases.urlTemplate.replace('{id}', encodeURIComponent(c.id)),
            })),
          },
        },
        { idempotencyKey: `daily-reminder:${assignee}:${date}`, priority: 'normal', causedBy: job },
      );
    }
    return { date, emails: byAssignee.size, cases: rows.length };
  }
}
