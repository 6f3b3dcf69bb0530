import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import type { RawEnv } from '../../src/config/configuration';
import { RunningSentinelSet, startRedisSentinels } from '../harness/redis-topologies';
import { eventually } from '../harness/wait';
import { Cluster, emailBody } from './cluster';
import { finishedRuns, ledger, pendingCount } from './ledger';
import { enqueueMany, post, unexpectedStatuses } from './load';
import { expectAccountedFor, percentile } from './failover';
import { record } from './report';
import { scale } from './scale';

jest.setTimeout(scale(180_000, 1_200_000));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The deployment on the Sentinel set: the addresses of the harness's own Redis left out. */
const onSentinels = (set: RunningSentinelSet, extra: RawEnv = {}): RawEnv => ({
  REDIS_HOST: undefined,
  REDIS_PORT: undefined,
  REDIS_CLUSTER_NODES: undefined,
  REDIS_SENTINELS: set.seeds,
  REDIS_SENTINEL_NAME: set.name,
  ...extra,
});

/**
 * A Sentinel set (a primary, 2 replicas, 3 sentinels; down-after 1 s) under load: the primary is
 * SIGKILLed while jobs are enqueued and worked. Replication is asynchronous, so what the primary
 * acknowledged but had not yet sent to a replica is gone after the promotion: counted here, with
 * and without WAIT after each enqueue (REDIS_WAIT_REPLICAS=1 on High-tier jobs).
 */
describe('chaos: Sentinel failover', () => {
  let set: RunningSentinelSet | undefined;
  const clusters: Cluster[] = [];
  afterEach(async () => {
    await Promise.all(clusters.splice(0).map((c) => c.stop()));
    await set?.stop();
    set = undefined;
  });

  async function primaryPort(s: RunningSentinelSet): Promise<number> {
    const sentinel = new IORedis({ host: '127.0.0.1', port: s.sentinels[0].port, maxRetriesPerRequest: 1 });
    try {
      const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', s.name)) as [string, string];
      return Number(port);
    } finally {
      sentinel.disconnect();
    }
  }

  async function killPrimaryUnderLoad(wait: boolean) {
    set = await startRedisSentinels({ dir: mkdtempSync(join(tmpdir(), 'ethico-chaos-sentinel-')) });
    const s = set;
    const c = new Cluster(onSentinels(s, wait ? { REDIS_WAIT_REPLICAS: '1' } : {}));
    clusters.push(c);
    await c.startApi();
    // A job active on the killed primary is found stalled on the new one once its lock expires: shortened.
    const workerEnv = { CHAOS_LOCK_MS: '2000', CHAOS_CONCURRENCY: '50' };
    await Promise.all([c.startWorker(workerEnv), c.startWorker(workerEnv)]);
    const total = scale(1_500, 10_000);
    const body = wait ? (i: number) => ({ ...emailBody(i), priority: 'high' }) : emailBody;
    const times = { killedAt: 0, promotedAt: 0, resumedAt: 0 };
    const failover = (async () => {
      await eventually(async () => finishedRuns(c.runLogDir).size >= total / 4, 120_000, 20);
      times.killedAt = Date.now();
      s.primary.process.kill('SIGKILL');
      await eventually(async () => (await primaryPort(s)) !== s.primary.port, 30_000, 50);
      times.promotedAt = Date.now();
      // Resumed: a High job accepted after the promotion is run by the same worker processes.
      const id = await eventually(
        async () => {
          const res = await post(
            `${c.url}/api/v1/jobs/email`,
            { ...emailBody(-1), priority: 'high' },
            { authorization: `Bearer ${c.token}` },
          );
          return res.status === 202 && (JSON.parse(res.body).id as string);
        },
        30_000,
        50,
      );
      await eventually(async () => finishedRuns(c.runLogDir).has(id), 30_000, 20);
      times.resumedAt = Date.now();
      return id;
    })();
    // Clients retry a 503 after 100 ms, so the jobs keep coming through the failover.
    const load = await enqueueMany({
      url: `${c.url}/api/v1/jobs/email`,
      token: c.token,
      count: total,
      concurrency: 16,
      body,
      retryUnavailableMs: 100,
    });
    const probe = await failover;
    const email = c.queue('email');
    await eventually(async () => (await pendingCount(email)) === 0, 180_000, 250);
    const result = await ledger([...load.accepted, probe], c.runLogDir, email, c.queue('dead-letter'));
    const figures = {
      total,
      waitReplicas: wait ? 1 : 0,
      statuses: load.statuses,
      killToPromotionMs: times.promotedAt - times.killedAt,
      resumeAfterPromotionMs: times.resumedAt - times.promotedAt,
      ...result,
      lost: result.lost.length,
    };
    return { c, load, result, figures };
  }

  it('resumes within 5 s of the promotion and counts the acknowledged writes the failover lost', async () => {
    const run = await killPrimaryUnderLoad(false);
    record('redis-sentinel-failover', run.figures);
    expectAccountedFor(run);
    expect(run.figures.resumeAfterPromotionMs).toBeLessThan(5_000);
  });

  it('with WAIT after each High-tier enqueue (REDIS_WAIT_REPLICAS=1)', async () => {
    const run = await killPrimaryUnderLoad(true);
    record('redis-sentinel-failover-wait', run.figures);
    expectAccountedFor(run);
    expect(run.figures.resumeAfterPromotionMs).toBeLessThan(5_000);
  });

  // The price of WAIT, on the same set in the same run: High-tier enqueues with and without it, alternating.
  it('measures what WAIT costs an enqueue', async () => {
    set = await startRedisSentinels({ dir: mkdtempSync(join(tmpdir(), 'ethico-chaos-sentinel-')) });
    const plain = new Cluster(onSentinels(set));
    const waiting = new Cluster(onSentinels(set, { REDIS_WAIT_REPLICAS: '1' }));
    clusters.push(plain, waiting);
    await Promise.all([plain.startApi(), waiting.startApi()]);
    const rounds = scale(2, 5);
    const perRound = scale(500, 2_000);
    const samples: Record<'plain' | 'wait', { ms: number[]; elapsedMs: number; accepted: number }> = {
      plain: { ms: [], elapsedMs: 0, accepted: 0 },
      wait: { ms: [], elapsedMs: 0, accepted: 0 },
    };
    for (let r = 0; r < rounds; r++) {
      for (const [kind, c] of [
        ['plain', plain],
        ['wait', waiting],
      ] as const) {
        const started = Date.now();
        const load = await enqueueMany({
          url: `${c.url}/api/v1/jobs/email`,
          token: c.token,
          count: perRound,
          concurrency: 16,
          body: (i) => ({ ...emailBody(i), priority: 'high' }),
        });
        expect(unexpectedStatuses(load.statuses)).toEqual([]);
        samples[kind].elapsedMs += Date.now() - started;
        samples[kind].ms.push(...load.acceptedMs);
        samples[kind].accepted += load.accepted.length;
      }
      await sleep(200);
    }
    const summary = (k: 'plain' | 'wait') => ({
      p50Ms: percentile(samples[k].ms, 50),
      p99Ms: percentile(samples[k].ms, 99),
      perSecond: Math.round((samples[k].accepted * 1000) / samples[k].elapsedMs),
    });
    const figures = { enqueues: rounds * perRound, concurrency: 16, withoutWait: summary('plain'), withWait: summary('wait') };
    record('redis-wait-cost', figures);
    expect(samples.wait.accepted).toBe(rounds * perRound);
    expect(samples.plain.accepted).toBe(rounds * perRound);
  });
});
