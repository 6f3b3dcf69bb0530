import { Cluster, emailBody } from './cluster';
import { enqueueMany } from './load';
import { ledger, pendingCount } from './ledger';
import { record } from './report';
import { scale } from './scale';

jest.setTimeout(scale(180_000, 1_200_000));
import { eventually } from '../harness/wait';

/** Worker processes killed with SIGKILL mid-job, again and again, while jobs keep arriving. */
describe('chaos: workers killed with SIGKILL', () => {
  const cluster = new Cluster();
  afterAll(() => cluster.stop());

  it('recovers every stalled job; every accepted job finishes or is dead-lettered', async () => {
    const total = scale(2_000, 20_000);
    // 50 ms jobs keep the workers busy (arrivals outpace them), so every kill interrupts active jobs.
    const workerEnv = { CHAOS_SLEEP_MS: '50', CHAOS_LOCK_MS: '2000', CHAOS_CONCURRENCY: '20' };
    await cluster.startApi();
    await Promise.all([cluster.startWorker(workerEnv), cluster.startWorker(workerEnv)]);
    const email = cluster.queue('email');
    const dlq = cluster.queue('dead-letter');
    const stalled = await cluster.countStalled('email');

    let loading = true;
    let kills = 0;
    const killer = (async () => {
      while (loading || kills < scale(4, 12)) {
        await new Promise((r) => setTimeout(r, scale(700, 1500)));
        const victim = cluster.workers.splice(Math.floor(Math.random() * cluster.workers.length), 1)[0];
        await victim.stop('SIGKILL');
        kills++;
        await cluster.startWorker(workerEnv);
      }
    })();
    const load = await enqueueMany({
      url: `${cluster.url}/api/v1/jobs/email`,
      token: cluster.token,
      count: total,
      concurrency: 16,
      body: emailBody,
    });
    loading = false;
    await killer;

    const started = Date.now();
    await eventually(async () => (await pendingCount(email)) === 0, scale(60_000, 180_000), 250);
    const drainMs = Date.now() - started;
    const result = await ledger(load.accepted, cluster.runLogDir, email, dlq);
    record('worker-sigkill', {
      total,
      kills,
      stalledRecovered: stalled.count,
      statuses: load.statuses,
      drainAfterLoadMs: drainMs,
      ...result,
      lost: result.lost.length,
    });

    expect(load.accepted).toHaveLength(total);
    expect(result.lost).toEqual([]);
    expect(result.completed + result.deadLettered).toBe(total);
    expect(kills).toBeGreaterThanOrEqual(scale(4, 12));
  });
});
