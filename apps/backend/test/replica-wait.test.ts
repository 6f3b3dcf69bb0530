import IORedis from 'ioredis';
import { ReplicaWaiter, SHORT_OF_REPLICAS_PAUSE_MS } from '../src/modules/jobs/replica-wait';
import { redisClient, closeRedisClients } from './harness/redis';

/** The tests' Redis has no replica: every WAIT for one is short. */
describe('ReplicaWaiter on a node without replicas', () => {
  let redis: IORedis;
  let now = 0;
  beforeAll(() => {
    redis = redisClient();
  });
  afterAll(() => closeRedisClients());

  const waitCalls = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);

  it('waits out the timeout once, then does not ask the node again until the pause is over', async () => {
    const waiter = new ReplicaWaiter(1, 150, () => now);
    await redis.set('replica-wait:test', '1');
    const before = await waitCalls();

    const started = Date.now();
    expect(await waiter.afterWrite(redis, 'replica-wait:test')).toEqual({ acked: 0, short: true, firstShort: true, recovered: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    // Within the pause: no WAIT (counted by Redis), so no enqueue queues behind a blocked connection.
    now += SHORT_OF_REPLICAS_PAUSE_MS - 1;
    for (let i = 0; i < 20; i++) expect(await waiter.afterWrite(redis, 'replica-wait:test')).toEqual({ skipped: true });
    expect(await waitCalls()).toBe(before + 1);

    // After it: asked again (still short, already reported).
    now += 1;
    expect(await waiter.afterWrite(redis, 'replica-wait:test')).toEqual({ acked: 0, short: true, firstShort: false, recovered: false });
    expect(await waitCalls()).toBe(before + 2);
  });

  it('sends one WAIT at a time to a node: concurrent writes share the next one, and one of them reports it', async () => {
    const waiter = new ReplicaWaiter(1, 150, () => now);
    const before = await waitCalls();
    const answers = await Promise.all(Array.from({ length: 16 }, () => waiter.afterWrite(redis, 'replica-wait:test')));
    // The first WAIT runs to its timeout and answers short; the writes that joined the next round
    // are then within the pause: skipped, not queued behind fifteen more timeouts (counted by Redis).
    expect(await waitCalls()).toBe(before + 1);
    expect(answers[0]).toEqual({ acked: 0, short: true, firstShort: true, recovered: false });
    expect(answers.slice(1)).toEqual(Array(15).fill({ skipped: true }));
  });

  it('shares one WAIT among the writes made while another is in flight, once per round', async () => {
    const waiter = new ReplicaWaiter(0, 150, () => now);
    const before = await waitCalls();
    const answers = await Promise.all(Array.from({ length: 16 }, () => waiter.afterWrite(redis, 'replica-wait:test')));
    expect(answers.every((a) => 'acked' in a && !a.short)).toBe(true);
    expect(await waitCalls()).toBe(before + 2);
  });

  it('asks every time while the node has the replicas asked for', async () => {
    const waiter = new ReplicaWaiter(0, 150, () => now);
    const before = await waitCalls();
    for (let i = 0; i < 3; i++) expect(await waiter.afterWrite(redis, 'replica-wait:test')).toMatchObject({ acked: 0, short: false });
    expect(await waitCalls()).toBe(before + 3);
  });
});
