import { eventually } from '../harness/wait';
import { Cluster, emailBody } from './cluster';
import { ledger, pendingCount } from './ledger';
import { enqueueMany } from './load';
import { record } from './report';
import { scale } from './scale';

jest.setTimeout(scale(180_000, 1_200_000));

/** A deploy: every worker gets SIGTERM while busy, then new ones start. */
describe('chaos: SIGTERM under load', () => {
  const cluster = new Cluster();
  afterAll(() => cluster.stop());

  it('finishes in-flight jobs, exits 0, leaves nothing stalled, and the restarted workers drain the rest', async () => {
    const total = scale(1_500, 10_000);
    const workerEnv = { CHAOS_SLEEP_MS: '40', CHAOS_CONCURRENCY: '20' };
    await cluster.startApi();
    await Promise.all([cluster.startWorker(workerEnv), cluster.startWorker(workerEnv)]);
    const email = cluster.queue('email');
    const stalled = await cluster.countStalled('email');

    let sent = 0;
    const loading = enqueueMany({
      url: `${cluster.url}/api/v1/jobs/email`,
      token: cluster.token,
      count: total,
      concurrency: 8,
      body: (i) => {
        sent = i;
        return emailBody(i);
      },
    });
    // The deploy happens mid-load: jobs keep arriving while the old workers drain and the new ones start.
    await eventually(async () => sent > total / 4 && (await email.getActiveCount()) > 0, 30_000, 5);
    const old = cluster.workers.splice(0);
    const activeAtSignal = await email.getActiveCount();
    const codes = await Promise.all(old.map((w) => w.stop('SIGTERM')));
    const activeAfterExit = await email.getActiveCount();
    await Promise.all([cluster.startWorker(workerEnv), cluster.startWorker(workerEnv)]);
    const load = await loading;
    await eventually(async () => (await pendingCount(email)) === 0, scale(60_000, 300_000), 250);
    const result = await ledger(load.accepted, cluster.runLogDir, email, cluster.queue('dead-letter'));
    record('sigterm-under-load', {
      total,
      activeAtSignal,
      activeAfterExit,
      exitCodes: codes,
      stalled: stalled.count,
      ...result,
      lost: result.lost.length,
    });

    expect(codes).toEqual([0, 0]);
    expect(activeAtSignal).toBeGreaterThan(0);
    expect(activeAfterExit).toBe(0);
    expect(load.accepted).toHaveLength(total);
    expect(stalled.count).toBe(0);
    expect(result).toMatchObject({ lost: [], duplicates: 0, deadLettered: 0, completed: total });
  });
});
