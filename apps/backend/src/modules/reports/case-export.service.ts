import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import ExcelJS from 'exceljs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transform } from 'node:stream';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { DatabaseService } from '../database/database.service';
import { isJobCancelled, throwIfCancelled } from '../jobs/cancellation/job-cancellation';
import { JobProgressReporter } from '../jobs/runtime/job-progress';
import { PayloadSealer } from '../jobs/sealing/payload-sealer';
import { sealedPlaintextBytes } from '../jobs/sealing/sealed-stream';
import type { CaseExportFilter, CaseExportJobData, ReportFormat } from '../jobs/types';
import { csvLine } from './csv';
import { REPORT_STORE, ReportStore } from './report-store';
import { ReportRecord, ReportsRepository } from './reports.repository';

/** What a report file is sealed as: it opens as this report only. */
export const reportSubject = (id: string): string => `report:${id}`;

/** Rows read per query: big enough to amortise the round trip, small enough to keep memory flat. */
const BATCH_SIZE = 1000;

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const HEADER = ['number', 'id', 'title', 'status', 'priority', 'category', 'assignee_email', 'created_at', 'updated_at', 'description'];

interface ExportRow {
  id: string;
  number: number;
  title: string;
  status: string;
  priority: string;
  category: string | null;
  assignee_email: string | null;
  description: string;
  created_at: Date;
  updated_at: Date;
  /** created_at as PostgreSQL prints it: microseconds, which a JS Date would lose, so the cursor stays exact. */
  cursor_at: string;
}

const cells = (r: ExportRow): (string | number | null)[] => [
  r.number,
  r.id,
  r.title,
  r.status,
  r.priority,
  r.category,
  r.assignee_email,
  r.created_at.toISOString(),
  r.updated_at.toISOString(),
  r.description,
];

export interface CaseExportResult {
  reportId: string;
  format: ReportFormat;
  rows: number;
  bytes: number;
  expiresAt: string;
  /** Where the tenant downloads it (GET, with the same token). */
  download: string;
}

/**
 * Exports an organization's cases matching a filter, newest first, as CSV or XLSX into the report
 * store. Cases are read in keyset-paginated batches and streamed to the file, so memory does not
 * grow with the export. Progress ({ rows, total, percent }) is reported as it goes; the job's
 * signal stops it between batches and aborts the file being written.
 */
@Injectable()
export class CaseExportService {
  constructor(
    private readonly db: DatabaseService,
    private readonly reports: ReportsRepository,
    @Inject(REPORT_STORE) private readonly store: ReportStore,
    private readonly sealer: PayloadSealer,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async export(data: CaseExportJobData, job: Job, signal?: AbortSignal): Promise<CaseExportResult> {
    const { organizationId, format, filter } = data;
    const report = await this.reports.start({ organizationId, jobId: job.id!, format, filter, ttlMs: this.config.reports.ttlMs });
    const total = await this.count(organizationId, filter);
    const progress = new JobProgressReporter(job, total);
    let rows = 0;
    const pauseMs = this.config.reports.batchPauseMs;
    const batches = async function* (this: CaseExportService): AsyncGenerator<ExportRow[]> {
      for await (const batch of this.read(organizationId, filter)) {
        throwIfCancelled(signal, 'reports', job.id);
        yield batch;
        rows += batch.length;
        progress.set(rows);
        // Aborted by a cancel, the pause ends at once and the check below throws.
        if (pauseMs > 0) await sleep(pauseMs, undefined, signal ? { signal } : undefined).catch(() => undefined);
      }
      throwIfCancelled(signal, 'reports', job.id);
    }.call(this);
    try {
      const bytes = format === 'csv' ? await this.writeCsv(report, batches, signal) : await this.writeXlsx(report, batches, signal);
      const done = await this.reports.finish(report.id, rows, bytes);
      await progress.finish(100);
      return {
        reportId: done.id,
        format,
        rows,
        bytes,
        expiresAt: done.expiresAt.toISOString(),
        download: `/api/v1/reports/${done.id}`,
      };
    } catch (err) {
      progress.stop();
      await this.store.delete(report.id).catch(() => undefined);
      const cancelled = isJobCancelled(err) || signal?.aborted;
      await this.reports.end(report.id, cancelled ? 'cancelled' : 'failed', rows).catch(() => undefined);
      throw err;
    }
  }

  private writeCsv(report: ReportRecord, batches: AsyncGenerator<ExportRow[]>, signal?: AbortSignal): Promise<number> {
    return this.writeTo(report, signal, async (out, written) => {
      // The byte-order mark makes spreadsheets read the file as UTF-8.
      out.write(`\uFEFF${csvLine(HEADER)}`);
      for await (const batch of batches) {
        out.write(batch.map((r) => csvLine(cells(r))).join(''));
        await written();
      }
      out.end();
    });
  }

  private writeXlsx(report: ReportRecord, batches: AsyncGenerator<ExportRow[]>, signal?: AbortSignal): Promise<number> {
    return this.writeTo(report, signal, async (out, written) => {
      // No shared strings: that table would hold every distinct string of the export in memory.
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
      const sheet = workbook.addWorksheet('Cases');
      sheet.addRow(HEADER).commit();
      for await (const batch of batches) {
        for (const r of batch) sheet.addRow(cells(r)).commit();
        await written(compressed(sheet));
      }
      sheet.commit();
      await workbook.commit();
    });
  }

  /**
   * Runs a writer into the store, sealed under the tenant's data key (what the store holds is never
   * plaintext); resolves with the plaintext's byte count. `written()` waits until the file has taken what was written
   * (the stream drained), and for what else it names, before the writer reads more, so a slow disk
   * or a slow compressor holds the reading back instead of piling rows up in memory; it rejects when
   * the store gives up (an abort).
   */
  private async writeTo(
    report: ReportRecord,
    signal: AbortSignal | undefined,
    write: (out: Transform, written: (alsoWaitFor?: Promise<void>) => Promise<void>) => Promise<void>,
  ): Promise<number> {
    const out = await this.sealer.sealingStream(report.organizationId, reportSubject(report.id));
    const id = report.id;
    // Errors reach us through `stored`; a write after the store gave up must not be an unhandled 'error'.
    out.on('error', () => undefined);
    const stored = this.store.put(id, out, signal);
    stored.catch(() => undefined);
    const written = async (alsoWaitFor?: Promise<void>) => {
      if (out.writableNeedDrain) await Promise.race([once(out, 'drain'), stored]);
      if (alsoWaitFor) await Promise.race([alsoWaitFor, stored]);
    };
    try {
      await write(out, written);
    } catch (err) {
      out.destroy();
      await stored.catch(() => undefined);
      throw err;
    }
    return sealedPlaintextBytes(await stored);
  }

  private async count(organizationId: string, filter: CaseExportFilter): Promise<number> {
    const { where, params } = conditions(organizationId, filter);
    const [{ n }] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE ${where}`, params);
    return n;
  }

  /**
   * Newest first, as the case list shows them: ORDER BY created_at DESC, id DESC, with the last row's
   * (created_at, id) as the cursor; the index cases (organization_id, created_at, id) serves each
   * batch from where the previous one stopped, so every batch costs the same.
   */
  private async *read(organizationId: string, filter: CaseExportFilter): AsyncGenerator<ExportRow[]> {
    const { where, params } = conditions(organizationId, filter);
    let cursor: { at: string; id: string } | null = null;
    for (;;) {
      const page: unknown[] = [...params];
      let keyset = '';
      if (cursor) {
        page.push(cursor.at, cursor.id);
        keyset = ` AND (created_at, id) < ($${page.length - 1}::timestamptz, $${page.length}::uuid)`;
      }
      page.push(BATCH_SIZE);
      const rows = await this.db.query<ExportRow>(
        `SELECT id, number, title, status, priority, category, assignee_email, description, created_at, updated_at, created_at::text AS cursor_at
         FROM cases WHERE ${where}${keyset} ORDER BY created_at DESC, id DESC LIMIT $${page.length}`,
        page,
      );
      if (rows.length > 0) yield rows;
      if (rows.length < BATCH_SIZE) return;
      const last = rows[rows.length - 1];
      cursor = { at: last.cursor_at, id: last.id };
    }
  }
}

/**
 * exceljs writes a sheet's XML into its zip compressor without waiting for it (its buffer's write
 * never says "full"), so rows read faster than they are compressed pile up in memory: +85 MB for
 * 100,000 cases. This waits for the compressor to drain. It reaches into exceljs 4's internals
 * (the sheet's `_stream` and its `pipes`); should they change, it waits for nothing and the export
 * still works, only with less even memory (the report-memory bench would show it).
 */
function compressed(sheet: ExcelJS.Worksheet): Promise<void> | undefined {
  const compressor = (sheet as unknown as { _stream?: { pipes?: unknown[] } })._stream?.pipes?.[0] as
    (NodeJS.EventEmitter & { _writableState?: { needDrain?: boolean } }) | undefined;
  return compressor?._writableState?.needDrain ? once(compressor, 'drain').then(() => undefined) : undefined;
}

/** The filter as SQL over cases. `q` matches the case's own title and description, as the search index does. */
function conditions(organizationId: string, filter: CaseExportFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [organizationId];
  const where = ['organization_id = $1'];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.status) where.push(`status = ANY(${param(filter.status)}::text[])`);
  if (filter.createdFrom) where.push(`created_at >= ${param(utcInstant(filter.createdFrom))}::timestamptz`);
  if (filter.createdTo) where.push(`created_at < ${param(utcInstant(filter.createdTo))}::timestamptz`);
  // websearch_to_tsquery, as the search API: any text is a valid query, never a syntax error.
  if (filter.q)
    where.push(
      `(setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')) @@ websearch_to_tsquery('english', ${param(filter.q)})`,
    );
  return { where: where.join(' AND '), params };
}

/** A bare day is midnight UTC, whatever the database session's time zone. */
const utcInstant = (value: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
