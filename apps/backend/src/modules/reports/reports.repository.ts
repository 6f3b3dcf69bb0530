import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { CaseExportFilter, ReportFormat } from '../jobs/types';

type ReportStatus = 'running' | 'ready' | 'failed' | 'cancelled';

export interface ReportRecord {
  id: string;
  organizationId: string;
  jobId: string;
  format: ReportFormat;
  filter: CaseExportFilter;
  status: ReportStatus;
  rows: number;
  bytes: number;
  createdAt: Date;
  finishedAt: Date | null;
  expiresAt: Date;
}

interface ReportRow {
  id: string;
  organization_id: string;
  job_id: string;
  format: ReportFormat;
  filter: CaseExportFilter;
  status: ReportStatus;
  rows: number;
  bytes: string;
  created_at: Date;
  finished_at: Date | null;
  expires_at: Date;
}

const COLUMNS = 'id, organization_id, job_id, format, filter, status, rows, bytes, created_at, finished_at, expires_at';

const toRecord = (r: ReportRow): ReportRecord => ({
  id: r.id,
  organizationId: r.organization_id,
  jobId: r.job_id,
  format: r.format,
  filter: r.filter,
  status: r.status,
  rows: r.rows,
  bytes: Number(r.bytes),
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  expiresAt: r.expires_at,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Report records; every read by id is scoped to its organization. */
@Injectable()
export class ReportsRepository {
  constructor(private readonly db: DatabaseService) {}

  async start(r: {
    organizationId: string;
    jobId: string;
    format: ReportFormat;
    filter: CaseExportFilter;
    ttlMs: number;
  }): Promise<ReportRecord> {
    const [row] = await this.db.query<ReportRow>(
      `INSERT INTO reports (organization_id, job_id, format, filter, status, expires_at)
       VALUES ($1, $2, $3, $4, 'running', now() + $5 * interval '1 millisecond') RETURNING ${COLUMNS}`,
      [r.organizationId, r.jobId, r.format, JSON.stringify(r.filter), r.ttlMs],
    );
    return toRecord(row);
  }

  async finish(id: string, rows: number, bytes: number): Promise<ReportRecord> {
    const [row] = await this.db.query<ReportRow>(
      `UPDATE reports SET status = 'ready', rows = $2, bytes = $3, finished_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, rows, bytes],
    );
    return toRecord(row);
  }

  async end(id: string, status: 'failed' | 'cancelled', rows: number): Promise<void> {
    await this.db.query(`UPDATE reports SET status = $2, rows = $3, finished_at = now() WHERE id = $1`, [id, status, rows]);
  }

  async get(organizationId: string, id: string): Promise<ReportRecord | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.query<ReportRow>(`SELECT ${COLUMNS} FROM reports WHERE organization_id = $1 AND id = $2`, [
      organizationId,
      id,
    ]);
    return row ? toRecord(row) : null;
  }

  /** The most recent reports, of one organization or of all. */
  async recent(organizationId: string | undefined, limit: number): Promise<ReportRecord[]> {
    const rows = await this.db.query<ReportRow>(
      `SELECT ${COLUMNS} FROM reports WHERE ($1::text IS NULL OR organization_id = $1) ORDER BY created_at DESC, id LIMIT $2`,
      [organizationId ?? null, limit],
    );
    return rows.map(toRecord);
  }

  /** Ids of expired records, oldest first. */
  async expired(limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(`SELECT id FROM reports WHERE expires_at <= now() ORDER BY expires_at LIMIT $1`, [
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  async delete(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.db.query<{ id: string }>(`DELETE FROM reports WHERE id = ANY($1::uuid[]) RETURNING id`, [ids]);
    return rows.length;
  }
}
