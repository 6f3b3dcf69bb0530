import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import type IORedis from 'ioredis';
import { Counter } from 'prom-client';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import { MetricsRegistry } from '../../metrics/metrics.registry';
import { withTimeout } from '../jobs.errors';
import { JobsService } from '../jobs.service';
import type { WorkQueueName } from '../types';
import { discoverWorkQueueWorkers } from './discover-workers';

const READ_TIMEOUT_MS = 2_000;

interface Watch {
  worker: Worker & { name: WorkQueueName };
  lastStartedAt: number;
  /** Since when jobs have been ready with this worker neither busy nor limited (undefined: not so). */
  readySince?: number;
  inFlight: Set<string>;
  wedgedSince?: number;
  lastRecoveryAt?: number;
}

/**
 * Consumption liveness. `isRunning()` stays true while a worker's blocking connection is wedged
 * (a half-dead socket after a Redis outage, bullmq #4585) and it consumes nothing. So: a queue
 * with jobs ready, whose worker here is neither paused, full nor rate limited, and which has
 * started none for WORKER_STALL_TIMEOUT_MS, is wedged. Readiness then fails, a counter counts
 * it, and the worker's blocking connection is recreated (its socket destroyed: ioredis connects
 * a new one and BullMQ's loop carries on), again every stall timeout until a job starts.
 */
@Injectable()
export class ConsumptionWatchdogService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsumptionWatchdogService.name);
  private readonly watches: Watch[] = [];
  private readonly wedges: Counter<'queue'>;
  private readonly recoveries: Counter<'queue'>;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly jobs: JobsService,
    @InjectConfig() private readonly config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    const registers = [metrics.registry];
    this.wedges = new Counter({
      name: 'ethico_worker_wedges_total',
      help: 'Times a worker of this process was found wedged: jobs ready, none started for WORKER_STALL_TIMEOUT_MS',
      labelNames: ['queue'],
      registers,
    });
    this.recoveries = new Counter({
      name: 'ethico_worker_connection_recreated_total',
      help: "Times a wedged worker's blocking Redis connection was recreated",
      labelNames: ['queue'],
      registers,
    });
  }

  onApplicationBootstrap(): void {
    const now = Date.now();
    for (const worker of discoverWorkQueueWorkers(this.discovery)) {
      const watch: Watch = { worker, lastStartedAt: now, inFlight: new Set() };
      worker.on('active', (job) => {
        watch.lastStartedAt = Date.now();
        watch.inFlight.add(job.id!);
        if (watch.wedgedSince !== undefined) {
          this.logger.log(`worker for ${worker.name} consumes again after ${Date.now() - watch.wedgedSince} ms`);
          watch.wedgedSince = undefined;
        }
      });
      const settled = (job?: { id?: string }) => job?.id && watch.inFlight.delete(job.id);
      worker.on('completed', settled);
      worker.on('failed', settled);
      this.watches.push(watch);
    }
    if (this.watches.length === 0) return;
    this.timer = setInterval(() => {
      this.checking ??= this.check().finally(() => (this.checking = undefined));
    }, this.config.workerWatchdog.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** Queues whose worker here is wedged, for readiness. */
  wedgedQueues(): WorkQueueName[] {
    return this.watches.filter((w) => w.wedgedSince !== undefined).map((w) => w.worker.name);
  }

  /** One look at every worker; exposed for tests. */
  async check(): Promise<void> {
    await Promise.all(this.watches.map((w) => this.checkOne(w)));
  }

  private async checkOne(watch: Watch): Promise<void> {
    const { worker } = watch;
    const now = Date.now();
    if (worker.closing || !worker.isRunning() || worker.isPaused()) {
      // Paused on purpose (worker-yield, shutdown): not a wedge. Not running: readiness says so already.
      watch.readySince = undefined;
      watch.wedgedSince = undefined;
      return;
    }
    let ready: number;
    let limited: boolean;
    try {
      const queue = this.jobs.queue(worker.name);
      const [counts, ttl] = await withTimeout(
        Promise.all([queue.getJobCounts('wait', 'prioritized'), queue.getRateLimitTtl()]),
        READ_TIMEOUT_MS,
        () => new Error(`no answer within ${READ_TIMEOUT_MS} ms`),
      );
      ready = (counts.wait ?? 0) + (counts.prioritized ?? 0);
      limited = ttl > 0;
    } catch {
      // Redis itself is away: readiness reports that; a wedge is judged once it answers again.
      watch.readySince = undefined;
      return;
    }
    const full = watch.inFlight.size >= (worker.concurrency ?? 1);
    if (ready === 0 || full || limited) {
      watch.readySince = undefined;
      return;
    }
    watch.readySince ??= now;
    const idleMs = now - Math.max(watch.lastStartedAt, watch.readySince);
    const timeout = this.config.workerWatchdog.stallTimeoutMs;
    if (idleMs < timeout) return;
    if (watch.wedgedSince === undefined) {
      watch.wedgedSince = now;
      this.wedges.inc({ queue: worker.name });
      this.logger.error(`worker for ${worker.name} is wedged: ${ready} job(s) ready, none started for ${idleMs} ms`);
    }
    if (watch.lastRecoveryAt === undefined || now - watch.lastRecoveryAt >= timeout) {
      watch.lastRecoveryAt = now;
      await this.recreateBlockingConnection(watch);
    }
  }

  /**
   * BullMQ has no public call to replace a worker's blocking connection; waitUntilReady() returns
   * its client. Destroying the socket fails the stuck command and ioredis connects a new socket
   * (BullMQ's own timeout path does the same, but waits for a clean close a dead socket never gives).
   */
  private async recreateBlockingConnection(watch: Watch): Promise<void> {
    const name = watch.worker.name;
    try {
      const client = (await withTimeout(
        watch.worker.waitUntilReady(),
        READ_TIMEOUT_MS,
        () => new Error('no blocking client'),
      )) as unknown as IORedis;
      client.stream?.destroy();
      this.recoveries.inc({ queue: name });
      this.logger.warn(`recreated the blocking Redis connection of the ${name} worker`);
    } catch (err) {
      this.logger.error(`could not recreate the blocking connection of the ${name} worker: ${(err as Error).message}`);
    }
  }
}
