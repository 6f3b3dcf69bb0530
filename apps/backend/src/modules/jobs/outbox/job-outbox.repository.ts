import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import { JobsService } from '../jobs.service';
import { withCorrelation } from '../../logging/correlation-context';
import type { PriorityTier } from '../queues';
import { PayloadSealer } from '../sealing/payload-sealer';
import { JobInput, JobName, validatePayload, WorkQueueName } from '../types';

/** A job to enqueue once the transaction that stages it commits. */
export interface OutboxJob {
  queue: WorkQueueName;
  name: string;
  data: { organizationId: string };
  /** A system key: the relay may enqueue a row twice (it died before marking it), the job is stored once. */
  idempotencyKey: string;
  priority?: PriorityTier;
}

/** Typed like JobsService.enqueue; the payload is checked now, so a write never commits a job that cannot be enqueued. */
export function outboxJob<Q extends WorkQueueName, N extends JobName<Q>>(
  queue: Q,
  name: N,
  data: JobInput<Q, N>,
  options: { idempotencyKey: string; priority?: PriorityTier },
): OutboxJob {
  // The relay runs outside the request: the correlation id travels in the payload.
  const payload = validatePayload<{ organizationId: string }>(queue, name, withCorrelation(data));
  return { queue, name, data: payload, ...options };
}

/**
 * Writes outbox rows (table job_outbox) in the caller's transaction, for this process's queue
 * prefix. Payloads are stored sealed, as Redis will hold them (the relay opens them to enqueue).
 * A tenant with its cap of jobs waiting on one of the queues is refused first
 * (TenantBackpressureError, 429), so the write rolls back whole.
 */
@Injectable()
export class JobOutboxRepository {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly sealer: PayloadSealer,
    private readonly jobs: JobsService,
  ) {}

  async stage(client: PoolClient, jobs: OutboxJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const targets = new Map<string, { job: OutboxJob; count: number }>();
    for (const j of jobs) {
      const key = `${j.queue}\u0000${j.data.organizationId}`;
      const t = targets.get(key);
      if (t) t.count++;
      else targets.set(key, { job: j, count: 1 });
    }
    // At once, not one after another: the write holds its case-number lock until it commits.
    const [sealed] = await Promise.all([
      Promise.all(jobs.map((j) => this.sealer.seal(j.data))),
      ...[...targets.values()].map(({ job, count }) => this.jobs.admitUpTo(job.queue, job.data.organizationId, count)),
    ]);
    const params: unknown[] = [this.config.queue.prefix];
    const values = jobs.map((j, i) => {
      params.push(j.queue, j.name, JSON.stringify(sealed[i]), j.idempotencyKey, j.priority ?? null);
      const n = params.length;
      return `($1, $${n - 4}, $${n - 3}, $${n - 2}::jsonb, $${n - 1}, $${n})`;
    });
    await client.query(
      `INSERT INTO job_outbox (queue_prefix, queue, job_name, data, idempotency_key, priority) VALUES ${values.join(', ')}`,
      params,
    );
  }
}
