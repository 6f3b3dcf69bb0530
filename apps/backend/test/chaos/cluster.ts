import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionOptions, Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import type { RawEnv } from '../../src/config/configuration';
import { clusterOptions, redisOptions } from '../../src/modules/redis/redis-connection.factory';
import { testConfig, testEnv } from '../harness/config';
import { tokenFor } from '../harness/http';
import { Child, httpUrlOf, spawnBackend, spawnFixture, waitForOutput } from '../harness/processes';
import { queuePrefix } from '../../src/modules/jobs/queues/queue-prefix';

/**
 * A small production-shaped deployment for fault injection: one API process (the built backend,
 * APP_ROLE=api) and scripted email workers (real processes), sharing one Redis and a run log.
 */
export class Cluster {
  readonly runLogDir = mkdtempSync(join(tmpdir(), 'ethico-chaos-runs-'));
  readonly env: RawEnv;
  readonly token = tokenFor('org-chaos');
  api?: Child;
  url = '';
  workers: Child[] = [];
  private readonly queues: Queue[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(env: RawEnv = {}) {
    this.env = testEnv({ LOG_LEVEL: 'warn', ...env });
  }

  /**
   * The test's own connection to the deployment's Redis: options for one server or Sentinel, or on
   * Cluster a Cluster client of its own (BullMQ does not close a client it is given: stop() does).
   */
  private connection(): ConnectionOptions {
    const { redis } = testConfig(this.env);
    if (!redis.cluster) return redisOptions(redis);
    const client = new IORedis.Cluster(redis.cluster.nodes, clusterOptions(redis));
    client.on('error', () => undefined);
    this.closers.push(async () => void (await client.quit().catch(() => client.disconnect())));
    return client;
  }

  queue(name: string): Queue {
    const config = testConfig(this.env);
    const q = new Queue(name, { connection: this.connection(), prefix: queuePrefix(config.queue.prefix, name) });
    q.on('error', () => undefined); // the queue reconnects by itself while Redis is down
    this.queues.push(q);
    return q;
  }

  /** Counts jobs the workers' stall checks found abandoned by a dead worker (and moved back to wait). */
  async countStalled(name: string): Promise<{ count: number }> {
    const config = testConfig(this.env);
    const events = new QueueEvents(name, { connection: this.connection(), prefix: queuePrefix(config.queue.prefix, name) });
    events.on('error', () => undefined);
    await events.waitUntilReady();
    const counter = { count: 0 };
    events.on('stalled', () => counter.count++);
    this.closers.push(() => events.close());
    return counter;
  }

  async startApi(): Promise<void> {
    this.api = spawnBackend({ ...this.env, APP_ROLE: 'api', LOG_LEVEL: 'info' });
    this.url = await httpUrlOf(this.api);
  }

  async startWorker(extra: RawEnv = {}): Promise<Child> {
    const worker = spawnFixture('scripted-worker.main.ts', {
      ...this.env,
      APP_ROLE: 'worker',
      CHAOS_RUN_LOG_DIR: this.runLogDir,
      ...extra,
    });
    this.workers.push(worker);
    await waitForOutput(worker, 'ready');
    return worker;
  }

  async stop(): Promise<void> {
    await Promise.all([this.api, ...this.workers].filter((c): c is Child => !!c).map((c) => c.stop('SIGKILL')));
    await Promise.all(this.queues.map((q) => q.close().catch(() => undefined)));
    await Promise.all(this.closers.map((c) => c().catch(() => undefined)));
  }
}

/** A valid email job body (the scripted workers ignore its content). */
export const emailBody = (i: number) => ({
  templateId: 'case-assigned',
  to: `ops+${i}@example.com`,
  context: { caseNumber: `C-${i}`, caseTitle: 'Chaos', assigneeName: 'Ops', caseUrl: 'https://ethico.example/cases/1' },
});
