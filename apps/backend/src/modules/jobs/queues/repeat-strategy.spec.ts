import { defaultRepeatStrategy } from 'bullmq';
import { fastRepeatStrategy } from './repeat-strategy';

const ZONES = [
  'Europe/Paris',
  'America/New_York',
  'America/Santiago', // DST changes at midnight
  'Australia/Lord_Howe', // a 30-minute DST shift
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'UTC',
];
// Both 2026 DST change days in Europe, the US, Chile and Australia, and an ordinary day.
const DAYS = [
  [2026, 2, 29],
  [2026, 9, 25],
  [2026, 2, 8],
  [2026, 10, 1],
  [2026, 3, 5],
  [2026, 8, 6],
  [2026, 3, 4],
  [2026, 5, 17],
].map(([y, m, d]) => Date.UTC(y, m, d));

describe('fastRepeatStrategy', () => {
  it("answers exactly as BullMQ's default for daily patterns in any zone, across DST changes and at fire times", () => {
    let checked = 0;
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (const tz of ZONES)
      for (const day of DAYS)
        for (let i = 0; i < 3; i++) {
          const hour = Math.floor(random() * 24);
          const opts = { pattern: `${Math.floor(random() * 60)} ${Math.floor(random() * 60)} ${hour} * * *`, tz };
          const base = day - 86_400_000 + Math.floor(random() * 3 * 86_400_000);
          const fire = defaultRepeatStrategy(base, opts)!;
          for (const millis of [base, Math.floor(base / 1000) * 1000, fire, fire - 1, fire + 1, fire - 1000]) {
            expect({ opts, millis, next: fastRepeatStrategy(millis, opts) }).toEqual({
              opts,
              millis,
              next: defaultRepeatStrategy(millis, opts),
            });
            checked++;
          }
        }
    expect(checked).toBe(ZONES.length * DAYS.length * 3 * 6);
  });

  it('leaves other patterns, every and immediately to BullMQ', () => {
    const opts = { pattern: '*/5 * * * *', tz: 'Europe/Paris' };
    expect(fastRepeatStrategy(1_000_000, opts)).toBe(defaultRepeatStrategy(1_000_000, opts));
    expect(fastRepeatStrategy(1_000, { every: 5000 })).toBe(5000);
    const now = Date.now();
    expect(fastRepeatStrategy(0, { pattern: '0 9 * * *', immediately: true }) as number).toBeGreaterThanOrEqual(now);
  });
});
