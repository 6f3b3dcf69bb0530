import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import { DatabaseService } from '../../database/database.service';
import { MetricsRegistry } from '../../metrics/metrics.registry';
import { IdempotencyConflictError } from '../idempotency';
import { JobsService } from '../jobs.service';
import { PayloadKeyError } from '../sealing/payload-key.errors';
import { PayloadSealer } from '../sealing/payload-sealer';
import type { PriorityTier } from '../queues';
import { JobValidationError, WorkQueueName } from '../types';

/** Any fixed number: with the queue prefix, the key of the advisory lock that makes one relay of a namespace run at a time. */
const OUTBOX_RELAY_LOCK = 730_196_622;
const MAX_BACKOFF_MS = 5_000;
const PURGE_EVERY_MS = 60_000;
/** How long a kicked relay waits for more writes before its pass: a little relay lag for far fewer passes under load. */
const KICK_LINGER_MS = 20;
const LAG_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

interface OutboxRow {
  id: string;
  queue: WorkQueueName;
  job_name: string;
  data: { organizationId: string };
  idempotency_key: string;
  priority: PriorityTier | null;
}

type Outcome = { id: string; sent: string } | { id: string; rejected: string } | { id: string; failed: string };

export interface RelayPass {
  /** False when another process held the relay lock. */
  leader: boolean;
  sent: number;
  rejected: number;
  failed: number;
}

/**
 * Enqueues the jobs that committed writes staged in job_outbox. Every process that writes runs
 * one; a transaction-scoped advisory lock lets a single one work at a time, the others retry on
 * the next pass. Rows go in id order, with their idempotency keys, and are marked sent in the same
 * transaction as the lock: a relay dying mid-batch leaves its rows pending, and the next pass
 * enqueues them again into the jobs already stored. Redis refusing a job stops the pass (the rows
 * wait, with a growing pause); a payload the schema refuses can never succeed and is set aside.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private readonly lag: Histogram;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private kicked = false;
  private backingOff = false;
  private lastPurge = 0;

  constructor(
    private readonly db: DatabaseService,
    private readonly jobs: JobsService,
    private readonly sealer: PayloadSealer,
    @InjectConfig() private readonly config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    const registers = [metrics.registry];
    this.lag = new Histogram({
      name: 'ethico_outbox_relay_lag_seconds',
      help: 'Time from a write committing its outbox row to the job being enqueued',
      buckets: LAG_BUCKETS,
      registers,
    });
    const backlog = () => this.backlog();
    new Gauge({
      name: 'ethico_outbox_backlog',
      help: 'Outbox rows not yet enqueued (-1 when the database did not answer)',
      registers,
      async collect() {
        this.set((await backlog()).pending);
      },
    });
    new Gauge({
      name: 'ethico_outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox row not yet enqueued (0 when none)',
      registers,
      async collect() {
        this.set((await backlog()).oldestSeconds);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** A write just committed rows: relay now rather than at the next poll. */
  kick(): void {
    // While Redis refuses jobs the relay waits out its pause: writes must not turn into a retry storm.
    if (this.backingOff) return;
    this.kicked = true;
    this.wake?.();
  }

  /** One pass: at most a batch of pending rows. Exposed for tests and for draining. */
  async relayOnce(): Promise<RelayPass> {
    return this.db.transaction(async (client) => {
      // Marking rows sent need not wait for the WAL flush: a mark lost in a crash only sends the row
      // again, into the job its idempotency key already names. So a pass does not queue its commit
      // behind (or ahead of) the case writes' own, which must be durable. One round trip for both.
      const lock = await client.query<{ locked: boolean }>(
        `SELECT set_config('synchronous_commit', 'off', true) IS NOT NULL AND pg_try_advisory_xact_lock($1::int, hashtext($2)) AS locked`,
        [OUTBOX_RELAY_LOCK, this.config.queue.prefix],
      );
      if (!lock.rows[0].locked) return { leader: false, sent: 0, rejected: 0, failed: 0 };
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, queue, job_name, data, idempotency_key, priority FROM job_outbox
          WHERE queue_prefix = $1 AND sent_at IS NULL AND rejected_at IS NULL ORDER BY id LIMIT $2`,
        [this.config.queue.prefix, this.config.queue.outbox.batchSize],
      );
      // Concurrently: each row is its own job, and the idempotency record makes a repeat harmless.
      const outcomes = await Promise.all(rows.map((row) => this.send(row)));
      const sent = outcomes.filter((o): o is { id: string; sent: string } => 'sent' in o);
      const rejected = outcomes.filter((o): o is { id: string; rejected: string } => 'rejected' in o);
      const failed = outcomes.filter((o): o is { id: string; failed: string } => 'failed' in o);
      if (sent.length) {
        const marked = await client.query<{ lag: number }>(
          `UPDATE job_outbox o SET sent_at = clock_timestamp(), sent_job_id = s.job_id
             FROM unnest($1::bigint[], $2::text[]) AS s(id, job_id) WHERE o.id = s.id
           RETURNING extract(epoch FROM clock_timestamp() - o.created_at)::float8 AS lag`,
          [sent.map((s) => s.id), sent.map((s) => s.sent)],
        );
        for (const r of marked.rows) this.lag.observe(Math.max(0, r.lag));
      }
      if (rejected.length) {
        await client.query(
          `UPDATE job_outbox o SET rejected_at = now(), last_error = r.error, attempts = attempts + 1
             FROM unnest($1::bigint[], $2::text[]) AS r(id, error) WHERE o.id = r.id`,
          [rejected.map((r) => r.id), rejected.map((r) => r.rejected)],
        );
      }
      if (failed.length) {
        await client.query(
          `UPDATE job_outbox o SET last_error = f.error, attempts = attempts + 1
             FROM unnest($1::bigint[], $2::text[]) AS f(id, error) WHERE o.id = f.id`,
          [failed.map((f) => f.id), failed.map((f) => f.failed)],
        );
      }
      if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
        this.lastPurge = Date.now();
        await client.query(`DELETE FROM job_outbox WHERE queue_prefix = $1 AND sent_at < now() - make_interval(hours => $2)`, [
          this.config.queue.prefix,
          this.config.queue.outbox.retentionHours,
        ]);
      }
      return { leader: true, sent: sent.length, rejected: rejected.length, failed: failed.length };
    });
  }

  /** Pending rows and the age of the oldest, for the gauges; -1 when the database does not answer. */
  async backlog(): Promise<{ pending: number; oldestSeconds: number }> {
    try {
      const [row] = await this.db.query<{ pending: number; oldest: number | null }>(
        `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
           FROM job_outbox WHERE queue_prefix = $1 AND sent_at IS NULL AND rejected_at IS NULL`,
        [this.config.queue.prefix],
      );
      return { pending: row.pending, oldestSeconds: Math.max(0, row.oldest ?? 0) };
    } catch {
      return { pending: -1, oldestSeconds: -1 };
    }
  }

  private async send(row: OutboxRow): Promise<Outcome> {
    try {
      // Staged sealed; enqueue checks the opened payload and seals it again for Redis.
      const data = await this.sealer.open(row.data);
      const job = await this.jobs.enqueue(row.queue, row.job_name as never, data as never, {
        idempotencyKey: row.idempotency_key,
        // Admitted when its write was: a committed write's jobs are never refused.
        bypassPendingCap: true,
        ...(row.priority ? { priority: row.priority } : {}),
      });
      return { id: row.id, sent: job.id };
    } catch (err) {
      // The key already names a job (another write's, with the same key): that job is this row's.
      if (err instanceof IdempotencyConflictError) return { id: row.id, sent: err.original.jobId };
      if (err instanceof JobValidationError || err instanceof PayloadKeyError) {
        this.logger.error(`outbox row ${row.id} (${row.queue}/${row.job_name}) can never be enqueued: ${err.message}`);
        return { id: row.id, rejected: err.message };
      }
      return { id: row.id, failed: (err as Error).message };
    }
  }

  private async run(): Promise<void> {
    let pause = this.config.queue.outbox.pollIntervalMs;
    while (this.running) {
      let more = false;
      this.kicked = false;
      try {
        const pass = await this.relayOnce();
        more = pass.leader && pass.sent + pass.rejected === this.config.queue.outbox.batchSize;
        if (pass.failed > 0) {
          pause = Math.min(MAX_BACKOFF_MS, pause * 2);
          this.logger.warn(`outbox: ${pass.failed} job(s) not enqueued (Redis?); retrying in ${pause} ms`);
        } else {
          pause = this.config.queue.outbox.pollIntervalMs;
        }
      } catch (err) {
        pause = Math.min(MAX_BACKOFF_MS, pause * 2);
        this.logger.warn(`outbox relay pass failed (database?): ${(err as Error).message}; retrying in ${pause} ms`);
      }
      this.backingOff = pause > this.config.queue.outbox.pollIntervalMs;
      if (more || !this.running) continue;
      if (!this.kicked) await this.sleep(pause);
      // Woken by a write: let the writes committing beside it gather, so that one pass (one
      // transaction) takes them all instead of one pass per write competing with the writes.
      if (this.kicked && this.running) await new Promise((r) => setTimeout(r, KICK_LINGER_MS));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
