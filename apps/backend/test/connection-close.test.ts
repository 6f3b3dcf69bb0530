import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { Queue } from 'bullmq';
import { RateLimitNotingWorker } from '../src/modules/jobs/runtime/rate-limit-noting.worker';
import { bullConnectionsOf, dropErrorsNobodyHears } from '../src/modules/jobs/runtime/unheard-connection-errors';
import { redisEnv, uniquePrefix } from './harness/config';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * BullMQ disconnects a connection closed while it is still connecting, after removing its listeners;
 * the failed connect then emits an 'error' nobody hears (taskforcesh/bullmq#3546), which Jest fails
 * the test on, as Node would end the process. The window is BullMQ's version check, after ioredis
 * is ready: a proxy in front of the run's Redis passes each connection's ready check (its first
 * INFO) and holds back everything from BullMQ's INFO on, as a Redis slow under load would.
 */
describe('closing BullMQ objects while their connections still connect', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let connection: { host: string; port: number; maxRetriesPerRequest: null };
  /** Connections held at their version check. */
  let held = 0;
  beforeEach(() => (held = 0));

  beforeAll(async () => {
    const env = redisEnv();
    server = createServer((client) => {
      const upstream = createConnection({ host: env.REDIS_HOST!, port: Number(env.REDIS_PORT) });
      for (const s of [client, upstream]) sockets.add(s).add(s.on('close', () => sockets.delete(s)));
      let infos = 0;
      client.on('data', (chunk: Buffer) => {
        const before = infos;
        infos += chunk.toString('latin1').match(/\binfo\b/gi)?.length ?? 0;
        if (before < 2 && infos >= 2) held++;
        if (infos < 2) upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    connection = { host: '127.0.0.1', port: (server.address() as AddressInfo).port, maxRetriesPerRequest: null };
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('ends a worker quietly', async () => {
    const worker = new RateLimitNotingWorker('close-early', async () => undefined, { connection, prefix: `{${uniquePrefix()}}` });
    await settle(100); // ready, waiting for the version check's answer
    expect(held).toBe(2); // its command and blocking connections
    await worker.close(true);
    await settle(300); // the failed connects come after close returns
  });

  it('ends a queue quietly once its connections drop unheard errors', async () => {
    const queue = new Queue('close-early', { connection, prefix: `{${uniquePrefix()}}` });
    for (const c of bullConnectionsOf(queue)) dropErrorsNobodyHears(c);
    await settle(100);
    expect(held).toBe(1);
    await queue.close();
    await settle(300);
  });

  it('still hands errors to listeners while there are any', async () => {
    const worker = new RateLimitNotingWorker('close-early', null, { connection, prefix: `{${uniquePrefix()}}`, autorun: false });
    const heard: string[] = [];
    const [first] = bullConnectionsOf(worker);
    first.on('error', (err: Error) => heard.push(err.message));
    first.emit('error', new Error('boom'));
    expect(heard).toEqual(['boom']);
    await worker.close(true);
    await settle(300);
  });
});
