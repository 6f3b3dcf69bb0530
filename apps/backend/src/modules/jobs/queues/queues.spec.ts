import {
  AI_QUEUE,
  bullDefaultJobOptions,
  DEAD_LETTER_QUEUE_DEF,
  EMAIL_QUEUE,
  INDEXING_QUEUE,
  PRIORITY_TIERS,
  QUEUES,
  REPORTS_QUEUE,
  defineQueue,
} from '.';

const HOUR = 3600;

/** The seed's job options, written out independently of the definitions they check. */
describe('queue definitions match the specification', () => {
  it.each([
    [
      AI_QUEUE,
      'ai-processing',
      {
        attempts: 5,
        backoff: { type: 'exponential', delay: 2000 },
        priority: 2, // Normal: BullMQ takes unprioritized jobs before High ones
        removeOnComplete: { count: 1000, age: 24 * HOUR },
        removeOnFail: { count: 5000, age: 7 * 24 * HOUR },
      },
      5,
    ],
    [
      EMAIL_QUEUE,
      'email',
      {
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        priority: 2,
        removeOnComplete: { count: 500, age: 12 * HOUR },
        removeOnFail: { count: 1000, age: 3 * 24 * HOUR },
      },
      10,
    ],
    [
      INDEXING_QUEUE,
      'indexing',
      {
        attempts: 3,
        backoff: { type: 'fixed', delay: 5000 },
        priority: 5,
        removeOnComplete: { count: 2000, age: 6 * HOUR },
        removeOnFail: { count: 5000, age: 24 * HOUR },
      },
      20,
    ],
    [
      REPORTS_QUEUE,
      'reports',
      {
        attempts: 2,
        backoff: { type: 'fixed', delay: 10_000 },
        priority: PRIORITY_TIERS.low,
        removeOnComplete: { count: 1000, age: 24 * HOUR },
        removeOnFail: { count: 1000, age: 3 * 24 * HOUR },
      },
      2,
    ],
  ])('%#: %s', (def, name, options, concurrency) => {
    expect(def.name).toBe(name);
    expect(bullDefaultJobOptions(def)).toEqual(options);
    expect(def.worker?.concurrency).toBe(concurrency);
  });

  it('keeps dead letters until an operator acts, and never consumes them', () => {
    expect(DEAD_LETTER_QUEUE_DEF.worker).toBeNull();
    expect(DEAD_LETTER_QUEUE_DEF.defaultJobOptions).toMatchObject({ removeOnComplete: false, removeOnFail: false });
  });

  it('maps the priority tiers onto BullMQ priorities (1 is highest)', () => {
    expect(PRIORITY_TIERS).toEqual({ high: 1, normal: 2, low: 5 });
  });

  it.each(QUEUES.filter((q) => q.worker !== null).map((q) => [q.name, q] as const))(
    'gives every job of %s a tier priority by default',
    (_name, def) => {
      expect(Object.values(PRIORITY_TIERS)).toContain((bullDefaultJobOptions(def) as { priority?: number }).priority);
    },
  );

  it('does not compile a queue with workers and no priority', () => {
    const declare = () =>
      defineQueue({
        name: 'x',
        displayName: 'x',
        description: 'x',
        defaultJobOptions: {
          attempts: 1,
          backoff: { type: 'fixed', delay: 0 },
          // @ts-expect-error a consumed queue needs a tier priority: BullMQ would run its jobs before High ones
          priority: null,
          removeOnComplete: true,
          removeOnFail: true,
        },
        worker: { concurrency: 1 },
        jobs: {},
      });
    expect(typeof declare).toBe('function');
  });
});
