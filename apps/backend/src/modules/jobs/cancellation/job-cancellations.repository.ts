import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

export interface CancellationRecord {
  at: Date;
  organizationId: string;
  queue: string;
  jobId: string;
  jobName: string;
  state: string;
  outcome: 'removed' | 'abort-requested';
  requestedBy: string | null;
  correlationId: string | null;
}

interface Row {
  at: Date;
  organization_id: string;
  queue: string;
  job_id: string;
  job_name: string;
  state: string;
  outcome: CancellationRecord['outcome'];
  requested_by: string | null;
  correlation_id: string | null;
}

/** The cancellations tenants asked for, for the admin console (the cancel itself lives in Redis). */
@Injectable()
export class JobCancellationsRepository {
  constructor(private readonly db: DatabaseService) {}

  async record(c: Omit<CancellationRecord, 'at'>): Promise<void> {
    await this.db.query(
      `INSERT INTO job_cancellations (organization_id, queue, job_id, job_name, state, outcome, requested_by, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [c.organizationId, c.queue, c.jobId, c.jobName, c.state, c.outcome, c.requestedBy, c.correlationId],
    );
  }

  async recent(organizationId: string | undefined, limit: number): Promise<CancellationRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT at, organization_id, queue, job_id, job_name, state, outcome, requested_by, correlation_id
       FROM job_cancellations WHERE ($1::text IS NULL OR organization_id = $1) ORDER BY at DESC, id DESC LIMIT $2`,
      [organizationId ?? null, limit],
    );
    return rows.map((r) => ({
      at: r.at,
      organizationId: r.organization_id,
      queue: r.queue,
      jobId: r.job_id,
      jobName: r.job_name,
      state: r.state,
      outcome: r.outcome,
      requestedBy: r.requested_by,
      correlationId: r.correlation_id,
    }));
  }
}
