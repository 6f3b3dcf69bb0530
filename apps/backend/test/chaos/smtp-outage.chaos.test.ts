import { Queue } from 'bullmq';
import request from 'supertest';
import { startSmtpServer, TestSmtpServer } from '../harness/smtp';
import { adminAuth } from '../harness/http';
import { spawnBackend, waitForOutput } from '../harness/processes';
import { eventually } from '../harness/wait';
import { Cluster, emailBody } from './cluster';
import { pendingCount } from './ledger';
import { enqueueMany, unexpectedStatuses } from './load';
import { record } from './report';
import { scale } from './scale';

jest.setTimeout(scale(180_000, 900_000));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The mail server goes away while real email workers deliver: jobs retry with the queue's own
 * policy (3 attempts, exponential from 1 s); those that run out land in the dead-letter queue and
 * are delivered by a replay once the server is back. Every accepted email arrives exactly once.
 */
describe('chaos: SMTP outage', () => {
  let smtp: TestSmtpServer;
  const cluster = new Cluster();
  afterAll(async () => {
    await cluster.stop();
    await smtp?.close();
  });

  it('delivers every accepted email once, through retries or a replay from the dead-letter queue', async () => {
    const total = scale(300, 3_000);
    const outageMs = scale(5_000, 15_000);
    smtp = await startSmtpServer();
    const port = smtp.port;
    await cluster.startApi();
    const workerEnv = {
      ...cluster.env,
      ...smtp.env({ SMTP_CONNECTION_TIMEOUT_MS: '1000' }),
      APP_ROLE: 'worker',
      WORKER_QUEUES: 'email',
      LOG_LEVEL: 'info',
    };
    const workers = [spawnBackend(workerEnv), spawnBackend(workerEnv)];
    cluster.workers.push(...workers);
    await Promise.all(workers.map((w) => waitForOutput(w, 'consuming email')));

    const loading = enqueueMany({
      url: `${cluster.url}/api/v1/jobs/email`,
      token: cluster.token,
      count: total,
      concurrency: 4,
      body: emailBody,
    });
    await eventually(async () => smtp.received.length >= total / 5, 60_000, 20);
    const before = smtp.received;
    await smtp.close();
    const downAt = Date.now();
    await sleep(outageMs);
    smtp = await startSmtpServer({}, port);
    const upAt = Date.now();
    const load = await loading;

    const email: Queue = cluster.queue('email');
    await eventually(async () => (await pendingCount(email)) === 0, scale(60_000, 300_000), 250);
    const dlq = await request(cluster.url).get('/admin/api/dead-letter').query({ queue: 'email', limit: 500 }).set(adminAuth());
    const deadLettered: number = dlq.body.total;
    const replay = await request(cluster.url).post('/admin/api/dead-letter/replay').send({ queue: 'email' }).set(adminAuth());
    await eventually(async () => (await pendingCount(email)) === 0, 60_000, 250);

    const ids = [...before, ...smtp.received].map((m) => m.parsed.messageId);
    const unique = new Set(ids);
    const figures = {
      total,
      outageMs: upAt - downAt,
      statuses: load.statuses,
      deliveredBeforeOutage: before.length,
      deadLettered,
      replayed: replay.body.replayed,
      delivered: unique.size,
      duplicates: ids.length - unique.size,
    };
    record('smtp-outage', figures);

    expect(unexpectedStatuses(load.statuses)).toEqual([]);
    expect(load.accepted).toHaveLength(total);
    expect(deadLettered).toBeGreaterThan(0);
    expect(replay.body.replayed).toBe(deadLettered);
    expect(unique.size).toBe(total);
    expect(figures.duplicates).toBe(0);
  });
});
