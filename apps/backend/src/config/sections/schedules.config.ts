import { z } from 'zod';
import { int } from '../fields';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Per-tenant recurring jobs (docs/schedules.md): the defaults every tenant starts with, the jitter and the SLA thresholds. */
export const schedulesSection = z
  .object({
    SCHEDULE_SLA_INTERVAL_MINUTES: int(5, 60).default(5),
    SCHEDULE_REMINDER_HOUR: int(6, 20).default(9),
    SCHEDULE_DEFAULT_TZ: z.string().default('UTC').refine(isTimeZone, { error: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
    SCHEDULE_JITTER_SECONDS: int(0, 3600).default(600),
    SLA_WARNING_LEAD_MINUTES: int(1, 7 * 24 * 60).default(60),
    REMINDER_DUE_WITHIN_HOURS: int(1, 30 * 24).default(24),
  })
  .transform((e) => ({
    defaults: {
      slaIntervalMinutes: e.SCHEDULE_SLA_INTERVAL_MINUTES,
      reminderHour: e.SCHEDULE_REMINDER_HOUR,
      timezone: e.SCHEDULE_DEFAULT_TZ,
    },
    /** Each tenant's start is shifted by a fixed amount below this, derived from its id, so ticks do not all land at once. */
    jitterMs: e.SCHEDULE_JITTER_SECONDS * 1000,
    /** A case due within this is warned about ("due-soon"); past its due time it is "breached". */
    warningLeadMs: e.SLA_WARNING_LEAD_MINUTES * 60_000,
    /** The daily reminder lists open cases due within this (overdue ones included). */
    reminderWindowMs: e.REMINDER_DUE_WITHIN_HOURS * 3_600_000,
  }));
