import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import type { Worker } from 'bullmq';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge } from 'prom-client';
import { InjectConfig } from '../../config/app-config.module';
import type { AppConfig } from '../../config/configuration';
import { MetricsRegistry } from '../../modules/metrics/metrics.registry';
import { discoverWorkQueueWorkers } from '../../modules/jobs/runtime/discover-workers';

/** How often the share is reconsidered. */
const YIELD_TICK_MS = 250;
/** With no request for this many ticks (1 s), workers get their full concurrency back at once. */
const QUIET_TICKS = 4;
/** What the share grows by per calm tick: from the floor back to full in about 2.5 s. */
const SHARE_STEP = 0.1;
/** Below this share workers take no new jobs at all (each would otherwise still run one at a time). */
export const PAUSE_BELOW = 0.1;
/** The longest a pause lasts (1 s): then workers take jobs again for at least a tick, so a backlog always moves. */
const MAX_PAUSED_TICKS = 4;
/** The event-loop delay histogram's sampling interval; it records the interval with the lateness. */
const LOOP_RESOLUTION_MS = 10;

/** One tick's reading. */
export interface YieldReading {
  /** Requests that arrived during the tick, and those still unanswered at its end. */
  requests: number;
  inFlight: number;
  /** How late the event loop ran during the tick (p99 of the delay histogram, interval excluded), ms. */
  lagMs: number;
}

export interface YieldState {
  /** The fraction of each worker's configured concurrency it may use; below PAUSE_BELOW, none. */
  share: number;
  quietTicks: number;
  pausedTicks: number;
}

export const FULL_SHARE: YieldState = { share: 1, quietTicks: 0, pausedTicks: 0 };

export const pausedAt = (share: number): boolean => share < PAUSE_BELOW;

/**
 * Additive increase, multiplicative decrease, as TCP does with its window: while requests are being
 * served and the loop runs later than the limit, halve the share; once the loop is back well under
 * it (half the limit), add a step; with no requests for a second, give everything back. A pause
 * (share below PAUSE_BELOW) ends after a second at the latest.
 */
export function nextYieldState(state: YieldState, reading: YieldReading, lagLimitMs: number): YieldState {
  const serving = reading.requests > 0 || reading.inFlight > 0;
  const quietTicks = serving ? 0 : state.quietTicks + 1;
  if (quietTicks >= QUIET_TICKS) return { ...FULL_SHARE, quietTicks };
  // Every tick of a pause counts, with requests or without: none lasts longer than a second.
  const pausedTicks = pausedAt(state.share) ? state.pausedTicks + 1 : 0;
  if (pausedTicks >= MAX_PAUSED_TICKS) return { share: PAUSE_BELOW, quietTicks, pausedTicks: 0 };
  let share = state.share;
  if (serving && reading.lagMs > lagLimitMs) share = state.share / 2;
  else if (serving && reading.lagMs <= lagLimitMs / 2) share = Math.min(1, state.share + SHARE_STEP);
  return { share, quietTicks, pausedTicks };
}

export const concurrencyFor = (configured: number, share: number): number => Math.max(1, Math.round(configured * share));

/**
 * In a process that both serves HTTP and runs workers (APP_ROLE=all), requests come first: while
 * the API is answering requests and the event loop runs late (more than WORKER_YIELD_LAG_MS), every
 * worker's concurrency is cut, down to pausing the workers, and given back as the loop recovers or
 * the requests stop. Jobs in flight always finish; only how many new ones are taken changes (BullMQ
 * reads `worker.concurrency` before each fetch). A backlog drains more slowly while requests are
 * served, never stops: no pause lasts more than a second.
 */
@Injectable()
export class WorkerYieldService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerYield');
  private readonly lagLimitMs: number;
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private workers: { worker: Worker; configured: number }[] = [];
  private state: YieldState = FULL_SHARE;
  private requests = 0;
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private server?: Server;
  private readonly onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    this.requests++;
    this.inFlight++;
    res.once('close', () => this.inFlight--);
  };

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly adapterHost: HttpAdapterHost,
    metrics: MetricsRegistry,
    @InjectConfig() config: AppConfig,
  ) {
    this.lagLimitMs = config.workerYield.lagMs;
    const workers = () => this.workers;
    new Gauge({
      name: 'ethico_worker_concurrency',
      help: 'Jobs each worker of this process may start at once; below the configured value (0: paused) while it yields to HTTP requests',
      labelNames: ['queue'],
      registers: [metrics.registry],
      collect() {
        for (const { worker } of workers()) this.set({ queue: worker.name }, worker.isPaused() ? 0 : worker.concurrency);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.workers = discoverWorkQueueWorkers(this.discovery).map((worker) => ({ worker, configured: worker.concurrency }));
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!this.server || this.workers.length === 0) return;
    this.server.on('request', this.onRequest);
    this.loop.enable();
    this.timer = setInterval(() => this.tick(), YIELD_TICK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.loop.disable();
    this.server?.off('request', this.onRequest);
  }

  private tick(): void {
    const lagMs = Math.max(0, this.loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS);
    this.loop.reset();
    const before = this.state.share;
    this.state = nextYieldState(this.state, { requests: this.requests, inFlight: this.inFlight, lagMs }, this.lagLimitMs);
    this.requests = 0;
    const { share } = this.state;
    if (share === before) return;
    for (const { worker, configured } of this.workers) {
      if (worker.closing) continue;
      if (pausedAt(share)) {
        // Without waiting for active jobs: they finish as usual; no new one is taken.
        if (!worker.isPaused())
          void worker.pause(true).catch((err: Error) => this.logger.warn(`could not pause the ${worker.name} worker: ${err.message}`));
        continue;
      }
      worker.concurrency = concurrencyFor(configured, share);
      if (worker.isPaused()) worker.resume();
    }
    this.logger.debug(
      `event-loop lag ${lagMs.toFixed(1)} ms: workers at ${pausedAt(share) ? 'pause' : `${Math.round(share * 100)} % of their concurrency`}`,
    );
  }
}
