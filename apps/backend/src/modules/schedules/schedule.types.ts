import { createHash } from 'node:crypto';
import { parseExpression } from 'cron-parser';
import { z } from 'zod';
import { isTimeZone } from '../../config/configuration';
import { knownFieldsOnly } from '../http/validation';
import { PRIORITY_TIERS } from '../jobs/queues';
import { SCHEDULED_JOB_TYPES, ScheduledJobType } from '../jobs/types';

export type ScheduleType = ScheduledJobType;
export const SCHEDULE_TYPES = SCHEDULED_JOB_TYPES;

/** The limits a tenant admin may choose within (the table's CHECK constraints say the same). */
const SCHEDULE_LIMITS = { slaIntervalMinutes: { min: 5, max: 60 }, reminderHour: { min: 6, max: 20 } } as const;

/** One row of tenant_schedules: sla-check has intervalMinutes, daily-reminder has hour. */
export interface TenantSchedule {
  organizationId: string;
  type: ScheduleType;
  intervalMinutes: number | null;
  hour: number | null;
  timezone: string;
  enabled: boolean;
  updatedAt: string;
  updatedBy: string | null;
  lastRunAt: string | null;
  lastStatus: 'completed' | 'failed' | null;
  lastResult: unknown;
}

export interface ScheduleDefaults {
  slaIntervalMinutes: number;
  reminderHour: number;
  timezone: string;
}

/**
 * What a BullMQ job scheduler is upserted with. The id is persisted in Redis: changing its shape
 * needs a migration (remove the old schedulers).
 */
export interface SchedulerSpec {
  id: string;
  organizationId: string;
  type: ScheduleType;
  repeat: { every: number; offset: number } | { pattern: string; tz: string };
  priority: number;
}

/** Not ':': BullMQ reads an id with a colon that has no scheduler as a legacy repeat key and returns a made-up one. */
const SEPARATOR = '@';
export const schedulerIdFor = (type: ScheduleType, organizationId: string): string => `${type}${SEPARATOR}${organizationId}`;

/** The tenant and type of one of our scheduler ids; null for any other scheduler (the digest's). */
export function parseSchedulerId(id: string): { type: ScheduleType; organizationId: string } | null {
  const at = id.indexOf(SEPARATOR);
  const type = id.slice(0, at);
  if (at <= 0 || !(SCHEDULE_TYPES as readonly string[]).includes(type) || at === id.length - 1) return null;
  return { type: type as ScheduleType, organizationId: id.slice(at + 1) };
}

/**
 * A fixed shift in [0, maxMs) per tenant and type. Derived from the ids, not drawn at random, so
 * every process and every restart computes the same schedule and an upsert changes nothing.
 */
export function jitterFor(organizationId: string, type: ScheduleType, maxMs: number): number {
  if (maxMs <= 0) return 0;
  const hash = createHash('sha256').update(`${type}\n${organizationId}`).digest().readUInt32BE(0);
  return hash % maxMs;
}

/**
 * sla-check: every N minutes on BullMQ's grid (multiples of N since the epoch) shifted by the jitter;
 * the offset is at least 1 ms because BullMQ treats 0 as "start now" and stores a time-dependent offset.
 * daily-reminder: a cron at hour:mm:ss in the tenant's zone, mm:ss being the jitter (under an hour).
 */
export function schedulerSpec(
  s: Pick<TenantSchedule, 'organizationId' | 'type' | 'intervalMinutes' | 'hour' | 'timezone'>,
  jitterMs: number,
): SchedulerSpec {
  const id = schedulerIdFor(s.type, s.organizationId);
  if (s.type === 'sla-check') {
    const every = s.intervalMinutes! * 60_000;
    const offset = 1 + jitterFor(s.organizationId, s.type, Math.min(jitterMs, every - 1));
    return { id, organizationId: s.organizationId, type: s.type, repeat: { every, offset }, priority: PRIORITY_TIERS.high };
  }
  const shift = Math.floor(jitterFor(s.organizationId, s.type, Math.min(jitterMs, 3_600_000)) / 1000);
  const pattern = `${shift % 60} ${Math.floor(shift / 60)} ${s.hour} * * *`;
  return { id, organizationId: s.organizationId, type: s.type, repeat: { pattern, tz: s.timezone }, priority: PRIORITY_TIERS.normal };
}

/**
 * The next `count` run times after `from`, computed as BullMQ does (cron-parser for patterns, the
 * offset grid for intervals). Pure: the tests give it a fake clock.
 */
export function nextRuns(spec: SchedulerSpec, from: Date, count: number): Date[] {
  const out: Date[] = [];
  if ('every' in spec.repeat) {
    const { every, offset } = spec.repeat;
    let next = Math.floor(from.getTime() / every) * every + offset;
    if (next <= from.getTime()) next += every;
    for (let i = 0; i < count; i++) out.push(new Date(next + i * every));
    return out;
  }
  const it = parseExpression(spec.repeat.pattern, { currentDate: from, tz: spec.repeat.tz });
  for (let i = 0; i < count; i++) out.push(it.next().toDate());
  return out;
}

const timezoneField = z
  .string({ error: 'must be a string' })
  .max(100)
  .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' })
  .optional();
const enabledField = z.boolean({ error: 'must be true or false' }).optional();

/** What a tenant admin may change; each field optional, anything else a 400 naming it. */
export const updateSchedulesSchema = knownFieldsOnly(
  {
    slaCheck: knownFieldsOnly(
      {
        intervalMinutes: z.coerce
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number of minutes' })
          .min(SCHEDULE_LIMITS.slaIntervalMinutes.min, { error: `must be at least ${SCHEDULE_LIMITS.slaIntervalMinutes.min}` })
          .max(SCHEDULE_LIMITS.slaIntervalMinutes.max, { error: `must be at most ${SCHEDULE_LIMITS.slaIntervalMinutes.max}` })
          .optional(),
        timezone: timezoneField,
        enabled: enabledField,
      },
      'is not a field you can set',
    ).optional(),
    dailyReminder: knownFieldsOnly(
      {
        time: z
          .string({ error: 'must be a string such as "09:00"' })
          .regex(/^\d{2}:00$/, { error: 'must be a whole hour such as "09:00"' })
          .transform((v) => Number(v.slice(0, 2)))
          .refine((h) => h >= SCHEDULE_LIMITS.reminderHour.min && h <= SCHEDULE_LIMITS.reminderHour.max, {
            error: 'must be between "06:00" and "20:00"',
          })
          .optional(),
        timezone: timezoneField,
        enabled: enabledField,
      },
      'is not a field you can set',
    ).optional(),
  },
  'is not a schedule you can set',
);
export type UpdateSchedulesInput = z.infer<typeof updateSchedulesSchema>;

/** A tenant's schedules as the API shows them, with the next run from Redis. */
export interface ScheduleView {
  type: ScheduleType;
  enabled: boolean;
  intervalMinutes?: number;
  time?: string;
  timezone: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastResult: unknown;
  updatedAt: string;
}

export const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
