import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DeadLetterService } from '../dead-letter/dead-letter.service';
import { withTimeout } from '../jobs.errors';
import { JobsService } from '../jobs.service';
import { WORK_QUEUES, WorkQueueName } from '../types/index';
import { MetricsRegistry } from '../../metrics/metrics.registry';
import { OTHER_TENANTS, TenantLabels } from './tenant-labels';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children', 'failed', 'completed'] as const;
const COLLECT_TIMEOUT_MS = 2_000;
/** The gauges of one scrape (collected concurrently), or two Prometheus replicas scraping together, share one read. */
const SHARED_READ_MS = 100;

interface Snapshot {
  counts: Record<WorkQueueName, Record<string, number>>;
  deadLetters: Record<string, number>;
  rateLimitMs: Record<WorkQueueName, number>;
  /** Fair queues: tenants with jobs waiting, most first. */
  tenants: Partial<Record<WorkQueueName, { organizationId: string; pending: number }[]>>;
}

/**
 * Queue gauges read at scrape time: per queue a few O(1) Redis calls (LLEN/ZCARD behind
 * getJobCounts, a PTTL for the rate limit) and an SCARD per queue for pending dead letters.
 * Nothing scans a set. When Redis does not answer in time the gauges keep their last values and
 * ethico_queue_stats_up drops to 0.
 */
@Injectable()
export class QueueStatsCollector {
  private readonly logger = new Logger('Metrics');
  private inflight?: Promise<Snapshot | null>;
  private takenAt = 0;

  constructor(metrics: MetricsRegistry, jobs: JobsService, deadLetters: DeadLetterService, labels: TenantLabels) {
    const registers = [metrics.registry];
    const read = () => this.snapshot(jobs, deadLetters);
    new Gauge({
      name: 'ethico_queue_stats_up',
      help: '1 when queue statistics could be read from Redis for this scrape',
      registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ethico_queue_jobs',
      help: 'Jobs per queue and state (BullMQ getJobCounts)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const s = await read();
        if (!s) return;
        for (const q of WORK_QUEUES) for (const state of JOB_STATES) this.set({ queue: q, state }, s.counts[q][state] ?? 0);
      },
    });
    new Gauge({
      name: 'ethico_dead_letter_pending',
      help: 'Dead-letter entries waiting for an operator, per source queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        const s = await read();
        if (s) for (const q of WORK_QUEUES) this.set({ queue: q }, s.deadLetters[q] ?? 0);
      },
    });
    new Gauge({
      name: 'ethico_tenant_pending_jobs',
      help: 'Jobs waiting per tenant on fair queues: the top FAIRNESS_METRICS_TOP_K tenants by pending jobs, the rest summed as other',
      labelNames: ['queue', 'tenant'],
      registers,
      async collect() {
        const s = await read();
        if (!s) return;
        // Tenants leave the top k: their series go, so the gauge holds at most k + 1 per queue.
        this.reset();
        for (const q of WORK_QUEUES) {
          const tenants = s.tenants[q];
          if (!tenants) continue;
          const named = new Set(
            labels.update(
              q,
              tenants.map((t) => t.organizationId),
            ),
          );
          let other = 0;
          for (const t of tenants) {
            if (named.has(t.organizationId)) this.set({ queue: q, tenant: t.organizationId }, t.pending);
            else other += t.pending;
          }
          this.set({ queue: q, tenant: OTHER_TENANTS }, other);
        }
      },
    });
    new Gauge({
      name: 'ethico_queue_rate_limit_remaining_seconds',
      help: 'Time left on the queue rate limit currently in force (0 when none)',
      labelNames: ['queue'],
      registers,
      async collect() {
        const s = await read();
        if (s) for (const q of WORK_QUEUES) this.set({ queue: q }, Math.max(0, s.rateLimitMs[q]) / 1000);
      },
    });
  }

  private snapshot(jobs: JobsService, deadLetters: DeadLetterService): Promise<Snapshot | null> {
    if (this.inflight && Date.now() - this.takenAt < SHARED_READ_MS) return this.inflight;
    this.takenAt = Date.now();
    this.inflight = withTimeout(
      this.readAll(jobs, deadLetters),
      COLLECT_TIMEOUT_MS,
      () => new Error(`no answer within ${COLLECT_TIMEOUT_MS} ms`),
    ).catch((err: Error) => {
      this.logger.warn(`queue statistics unavailable: ${err.message}`);
      return null;
    });
    return this.inflight;
  }

  private async readAll(jobs: JobsService, deadLetters: DeadLetterService): Promise<Snapshot> {
    const perQueue = await Promise.all(
      WORK_QUEUES.map(async (q) => {
        const queue = jobs.queue(q);
        const client = await queue.client;
        // A command queued while Redis is away would wait for it; fail the scrape instead.
        if (client.status !== 'ready') throw new Error(`Redis connection is ${client.status}`);
        const [counts, ttl, tenants] = await Promise.all([
          queue.getJobCounts(...JOB_STATES),
          queue.getRateLimitTtl(),
          jobs.isFair(q) ? jobs.pendingByTenant(q) : Promise.resolve(null),
        ]);
        return [q, counts, ttl, tenants] as const;
      }),
    );
    const deadLetterCounts = await deadLetters.pendingCounts();
    const snapshot: Snapshot = {
      counts: {} as Snapshot['counts'],
      deadLetters: deadLetterCounts,
      rateLimitMs: {} as Snapshot['rateLimitMs'],
      tenants: {},
    };
    for (const [q, counts, ttl, tenants] of perQueue) {
      snapshot.counts[q] = counts;
      snapshot.rateLimitMs[q] = ttl;
      if (tenants) snapshot.tenants[q] = tenants;
    }
    return snapshot;
  }
}
