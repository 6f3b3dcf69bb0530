import { jitterFor, nextRuns, parseSchedulerId, schedulerIdFor, schedulerSpec, updateSchedulesSchema } from './schedule.types';
import { localDate, localTime } from './zoned-time';

const reminder = (timezone: string, hour = 9) =>
  schedulerSpec({ organizationId: 'org-dst', type: 'daily-reminder', intervalMinutes: null, hour, timezone }, 0);

describe('daily reminder on DST change days (fake clock: run times computed from a given now)', () => {
  // From the day before each change: the UTC time of 09:00 local moves by an hour on the change day.
  it.each([
    ['Europe/Paris', '2026-03-27T12:00:00Z', ['2026-03-28', '2026-03-29', '2026-03-30'], ['08:00', '07:00', '07:00']], // spring forward on the 29th
    ['Europe/Paris', '2026-10-24T00:00:00Z', ['2026-10-24', '2026-10-25', '2026-10-26'], ['07:00', '08:00', '08:00']], // fall back on the 25th
    ['America/New_York', '2026-03-07T00:00:00Z', ['2026-03-07', '2026-03-08', '2026-03-09'], ['14:00', '13:00', '13:00']], // the 8th
    ['America/New_York', '2026-10-31T00:00:00Z', ['2026-10-31', '2026-11-01', '2026-11-02'], ['13:00', '14:00', '14:00']], // the 1st
  ])('%s from %s: 09:00 local the day before, on the change day and after', (tz, from, days, utc) => {
    const runs = nextRuns(reminder(tz), new Date(from), 3);
    expect(runs.map((r) => localTime(r, tz))).toEqual(['09:00:00', '09:00:00', '09:00:00']);
    expect(runs.map((r) => localDate(r, tz))).toEqual(days);
    expect(runs.map((r) => r.toISOString().slice(11, 16))).toEqual(utc);
  });

  it('keeps 09:00 local every day across a whole year in both zones: one run a day, none missed', () => {
    for (const tz of ['Europe/Paris', 'America/New_York']) {
      const runs = nextRuns(reminder(tz), new Date('2026-01-01T00:00:00Z'), 365);
      expect(new Set(runs.map((r) => localDate(r, tz))).size).toBe(365);
      expect(runs.every((r) => localTime(r, tz) === '09:00:00')).toBe(true);
    }
  });
});

describe('jitter', () => {
  it('is fixed per tenant and type, below the maximum, and spreads tenants', () => {
    expect(jitterFor('org-1', 'daily-reminder', 600_000)).toBe(jitterFor('org-1', 'daily-reminder', 600_000));
    const shifts = Array.from({ length: 1000 }, (_, i) => jitterFor(`org-${i}`, 'daily-reminder', 600_000));
    expect(Math.max(...shifts)).toBeLessThan(600_000);
    expect(Math.min(...shifts)).toBeGreaterThanOrEqual(0);
    // 1,000 tenants over 10 minutes: no minute holds more than a fifth of them.
    const perMinute = new Map<number, number>();
    for (const s of shifts) perMinute.set(Math.floor(s / 60_000), (perMinute.get(Math.floor(s / 60_000)) ?? 0) + 1);
    expect(perMinute.size).toBe(10);
    expect(Math.max(...perMinute.values())).toBeLessThan(200);
    expect(jitterFor('org-1', 'sla-check', 0)).toBe(0);
  });

  it('moves a reminder within the hour after 09:00 local, and keeps it there on DST days', () => {
    const spec = schedulerSpec(
      { organizationId: 'org-7', type: 'daily-reminder', intervalMinutes: null, hour: 9, timezone: 'Europe/Paris' },
      600_000,
    );
    expect('pattern' in spec.repeat && spec.repeat.pattern).toMatch(/^\d{1,2} \d 9 \* \* \*$/);
    const [run] = nextRuns(spec, new Date('2026-03-28T12:00:00Z'), 1);
    expect(localTime(run, 'Europe/Paris') >= '09:00:00' && localTime(run, 'Europe/Paris') < '09:10:00').toBe(true);
  });

  it('keeps SLA checks on the interval grid, shifted by under the interval', () => {
    const spec = schedulerSpec({ organizationId: 'org-7', type: 'sla-check', intervalMinutes: 5, hour: null, timezone: 'UTC' }, 600_000);
    expect(spec.repeat).toMatchObject({ every: 300_000 });
    const offset = 'offset' in spec.repeat ? spec.repeat.offset : -1;
    expect(offset).toBeGreaterThanOrEqual(1);
    expect(offset).toBeLessThan(300_000);
    const runs = nextRuns(spec, new Date('2026-03-29T00:00:00Z'), 288);
    // 24 fake hours: 288 runs, 5 minutes apart, none twice.
    expect(new Set(runs.map((r) => r.getTime())).size).toBe(288);
    runs.slice(1).forEach((r, i) => expect(r.getTime() - runs[i].getTime()).toBe(300_000));
    expect(runs[287].getTime() - Date.parse('2026-03-29T00:00:00Z')).toBeLessThanOrEqual(24 * 3_600_000);
  });
});

describe('scheduler ids and the admin schema', () => {
  it('round-trips tenant ids with colons and ignores other schedulers', () => {
    expect(parseSchedulerId(schedulerIdFor('sla-check', 'org:a:b'))).toEqual({ type: 'sla-check', organizationId: 'org:a:b' });
    expect(parseSchedulerId('dlq-digest')).toBeNull();
    expect(parseSchedulerId('sla-check@')).toBeNull();
    expect(schedulerIdFor('sla-check', 'org-1')).toBe('sla-check@org-1');
  });

  it.each([
    [{ slaCheck: { intervalMinutes: 4 } }, 'slaCheck.intervalMinutes'],
    [{ slaCheck: { intervalMinutes: 61 } }, 'slaCheck.intervalMinutes'],
    [{ slaCheck: { intervalMinutes: 7.5 } }, 'slaCheck.intervalMinutes'],
    [{ dailyReminder: { time: '05:00' } }, 'dailyReminder.time'],
    [{ dailyReminder: { time: '21:00' } }, 'dailyReminder.time'],
    [{ dailyReminder: { time: '09:30' } }, 'dailyReminder.time'],
    [{ dailyReminder: { timezone: 'Mars/Olympus' } }, 'dailyReminder.timezone'],
    [{ slaCheck: { cron: '* * * * *' } }, 'slaCheck.cron'],
    [{ weekly: {} }, 'weekly'],
  ])('%j is refused naming %s', (body, field) => {
    const result = updateSchedulesSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('accepts the limits themselves', () => {
    for (const body of [
      { slaCheck: { intervalMinutes: 5 } },
      { slaCheck: { intervalMinutes: 60 } },
      { dailyReminder: { time: '06:00', timezone: 'America/New_York' } },
      { dailyReminder: { time: '20:00' } },
    ]) {
      expect(updateSchedulesSchema.safeParse(body).success).toBe(true);
    }
  });
});
