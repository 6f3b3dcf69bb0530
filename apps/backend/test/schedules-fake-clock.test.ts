import { Job, JobScheduler, Queue } from 'bullmq';
import { REPEAT_SETTINGS } from '../src/modules/jobs/queues/repeat-strategy';
import { SCHEDULED_QUEUE_NAME } from '../src/modules/jobs/queues';
import { nextRuns, SchedulerSpec, schedulerSpec } from '../src/modules/schedules/schedule.types';
import { localDate, localTime } from '../src/modules/schedules/zoned-time';
import { uniquePrefix } from './harness/config';

const HOUR = 3_600_000;
const JITTER_MS = 600_000;

/**
 * BullMQ's own job-scheduler code on a real Redis, run forward on a fake clock (Date.now): each tick
 * is taken when it falls due, a little late as a worker takes it, and handled as a worker does
 * (JobScheduler.upsertJobScheduler with the tick as producer, which schedules the next; then the tick
 * is gone), sometimes twice, as when a stalled tick is taken again by another worker. The ticks
 * that ran are then compared with the schedule's own: none missed, none twice, reminders at 09:00
 * local on the DST change days.
 */
describe('job schedulers on a fake clock', () => {
  let now = 0;
  let queue: Queue;
  let worker: JobScheduler;
  const connection = (() => {
    const url = new URL(process.env.TEST_REDIS_URL!);
    return { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  })();

  beforeAll(() => {
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  beforeEach(() => {
    const prefix = uniquePrefix();
    queue = new Queue(SCHEDULED_QUEUE_NAME, { connection, prefix, settings: REPEAT_SETTINGS });
    worker = new JobScheduler(SCHEDULED_QUEUE_NAME, { connection, prefix, settings: REPEAT_SETTINGS });
  });
  afterEach(async () => {
    await queue.obliterate({ force: true });
    await Promise.all([queue.close(), worker.close()]);
  });
  afterAll(() => jest.restoreAllMocks());

  /** Runs the clock from `from` to `until`; returns each scheduler's ticks (run times) in order. */
  async function run(specs: SchedulerSpec[], from: number, until: number): Promise<Map<string, number[]>> {
    now = from;
    for (const s of specs) await queue.upsertJobScheduler(s.id, s.repeat, { name: s.type, data: { organizationId: s.organizationId } });
    const ticks = new Map<string, number[]>(specs.map((s) => [s.id, []]));
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; ; step++) {
      const due = (await queue.getDelayed(0, -1))
        .map((job) => ({ job, at: Number(job.id!.split(':').pop()) }))
        .sort((a, b) => a.at - b.at)[0];
      if (!due || due.at >= until) break;
      // Taken up to 2 s late, as a busy worker takes it.
      now = Math.max(now, due.at) + Math.floor(random() * 2000);
      ticks.get(due.job.repeatJobKey!)!.push(due.at);
      const handle = (job: Job) =>
        worker.upsertJobScheduler(job.repeatJobKey!, job.opts.repeat!, job.name, job.data, job.opts, {
          override: false,
          producerId: job.id,
        });
      await handle(due.job);
      // One tick in ten is taken twice (stalled, then recovered by another worker): it must not schedule twice.
      if (random() < 0.1) await handle(due.job);
      await due.job.remove();
      if (step > 10_000) throw new Error('the clock does not move on');
    }
    return ticks;
  }

  /** The schedule's own run times from `first` to `until` (cron-parser in a zone is slow: ask for no more than fit). */
  const expected = (spec: SchedulerSpec, first: number, until: number) => {
    const period = 'every' in spec.repeat ? spec.repeat.every : 24 * HOUR - HOUR;
    return nextRuns(spec, new Date(first - 1), Math.ceil((until - first) / period) + 2)
      .map((d) => d.getTime())
      .filter((t) => t < until);
  };

  it('runs 24 fake hours of 5-minute SLA checks and daily reminders with no tick missed or repeated', async () => {
    const from = Date.UTC(2026, 5, 10, 7, 13, 0);
    const specs = ['Europe/Paris', 'America/New_York', 'Asia/Kolkata'].flatMap((timezone, i) => [
      schedulerSpec({ organizationId: `org-clock-${i}`, type: 'sla-check', intervalMinutes: 5, hour: null, timezone }, JITTER_MS),
      schedulerSpec({ organizationId: `org-clock-${i}`, type: 'daily-reminder', intervalMinutes: null, hour: 9, timezone }, JITTER_MS),
    ]);
    const ticks = await run(specs, from, from + 24 * HOUR);
    for (const spec of specs) {
      const got = ticks.get(spec.id)!;
      expect(got.length).toBe(spec.type === 'sla-check' ? 288 : 1);
      expect(new Set(got).size).toBe(got.length);
      expect(got).toEqual(expected(spec, got[0], from + 24 * HOUR));
      // The first tick is the first the schedule gives after the start.
      expect(got[0]).toBe(nextRuns(spec, new Date(from), 1)[0].getTime());
    }
    // The queue holds exactly one next tick per scheduler.
    expect((await queue.getDelayed(0, -1)).length).toBe(specs.length);
  }, 120_000);

  it.each([
    ['Europe/Paris', '2026-03-28T00:00:00Z'],
    ['Europe/Paris', '2026-10-24T00:00:00Z'],
    ['America/New_York', '2026-03-07T12:00:00Z'],
    ['America/New_York', '2026-10-31T12:00:00Z'],
  ])(
    'sends the reminder at 09:00 in %s for 72 fake hours from %s, across its DST change',
    async (timezone, start) => {
      const from = Date.parse(start);
      const spec = schedulerSpec(
        { organizationId: 'org-dst', type: 'daily-reminder', intervalMinutes: null, hour: 9, timezone },
        JITTER_MS,
      );
      const ticks = (await run([spec], from, from + 72 * HOUR)).get(spec.id)!;
      expect(ticks).toHaveLength(3);
      expect(ticks).toEqual(expected(spec, ticks[0], from + 72 * HOUR));
      // One a day, on consecutive local days, at 09:mm:ss local (mm:ss the tenant's jitter) whatever the offset that day.
      const days = ticks.map((t) => localDate(new Date(t), timezone));
      expect(new Set(days).size).toBe(3);
      const jitter = spec.repeat as { pattern: string };
      const [second, minute] = jitter.pattern.split(' ').map(Number);
      for (const t of ticks)
        expect(localTime(new Date(t), timezone)).toBe(`09:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}`);
      // The offsets really differ across the window: the change is inside it.
      const offsets = new Set(ticks.map((t) => new Date(t).getUTCHours()));
      expect(offsets.size).toBe(2);
    },
    60_000,
  );
});
