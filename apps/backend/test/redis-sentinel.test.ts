import { join } from 'node:path';
import IORedis from 'ioredis';
import request from 'supertest';
import { JobsService } from '../src/modules/jobs/jobs.service';
import { startTestApp, TestApp } from './harness/app';
import { bearer } from './harness/http';
import { RunningSentinelSet, startRedisSentinels } from './harness/redis-topologies';
import { eventually } from './harness/wait';

const emailJob = (i: number) => ({
  to: [`a+${i}@example.com`],
  templateId: 'case-assigned',
  context: { caseNumber: `C-${i}`, caseTitle: 'T', assigneeName: 'A', caseUrl: 'https://app.example.com/cases/1' },
});

const connect = (port: number) => new IORedis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });

/**
 * The job system on a Sentinel set of its own (a failover here must not disturb the other suites of
 * the Sentinel pass): a primary, 2 replicas, 3 sentinels.
 */
describe('on Redis Sentinel', () => {
  let set: RunningSentinelSet;
  let app: TestApp;
  beforeAll(async () => {
    set = await startRedisSentinels({ dir: join(process.env.TEST_TMP_DIR!, `sentinel-${process.pid}`) });
    app = await startTestApp({
      REDIS_HOST: undefined,
      REDIS_PORT: undefined,
      REDIS_PASSWORD: undefined,
      REDIS_DB: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINELS: set.seeds,
      REDIS_SENTINEL_NAME: set.name,
      REDIS_WAIT_REPLICAS: '2',
      REDIS_WAIT_TIMEOUT_MS: '2000',
      APP_ROLE: 'all',
    });
  });
  afterAll(async () => {
    await app?.close();
    await set?.stop();
  });

  const post = (body: object) => request(app.url!).post('/api/v1/jobs/email').set(bearer('org-sentinel')).send(body);
  const stateOf = async (id: string) =>
    (await request(app.url!).get(`/api/v1/jobs/email/${id}`).set(bearer('org-sentinel'))).body.state as string;

  it('answers a High job only once both replicas have it (REDIS_WAIT_REPLICAS)', async () => {
    const res = await post({ ...emailJob(1), priority: 'high' });
    expect(res.status).toBe(202);
    const key = app.context
      .get(JobsService, { strict: false })
      .queue('email')
      .toKey(res.body.id as string);
    for (const replica of set.replicas) {
      const c = connect(replica.port);
      expect(await c.exists(key)).toBe(1);
      c.disconnect();
    }
    const primary = connect(set.primary.port);
    expect(await primary.info('commandstats')).toMatch(/cmdstat_wait:calls=[1-9]/);
    primary.disconnect();
  });

  it('keeps taking and running jobs after the sentinels fail the primary over', async () => {
    const before = await post(emailJob(2));
    expect(before.status).toBe(202);
    await eventually(async () => (await stateOf(before.body.id)) === 'completed', 10_000);
    const sentinel = connect(set.sentinels[0].port);
    const old = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', set.name)) as [string, string];
    await sentinel.call('SENTINEL', 'FAILOVER', set.name);
    await eventually(async () => {
      const now = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', set.name)) as [string, string];
      return now[1] !== old[1];
    }, 20_000);
    sentinel.disconnect();
    // Until the old primary is a replica it still takes writes, and loses them when it resyncs from
    // the new one: that window is measured by the chaos scenario (docs/redis.md), not waited out here.
    const demoted = connect(Number(old[1]));
    await eventually(async () => ((await demoted.call('ROLE')) as string[])[0] === 'slave', 20_000);
    demoted.disconnect();
    // Enqueues may be refused (503) while the connection moves to the new primary; then they are taken and run.
    const after = await eventually(
      async () => {
        const res = await post(emailJob(3));
        return res.status === 202 && (res.body.id as string);
      },
      15_000,
      200,
    );
    await eventually(async () => (await stateOf(after)) === 'completed', 15_000);
    const res = await request(app.url!).get('/health/ready');
    expect(res.status).toBe(200);
  });
});
