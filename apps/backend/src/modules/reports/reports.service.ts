import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { REPORT_STORE, ReportStore } from './report-store';
import { ReportRecord, ReportsRepository } from './reports.repository';

/** Reads reports for their tenant: the record (scoped to the organization) and then the file. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    @Inject(REPORT_STORE) private readonly store: ReportStore,
  ) {}

  /**
   * A ready report of this organization and its bytes; 'expired' past its expiry (until the sweep
   * deletes the record, after which it is simply not found); null when there is none to download
   * (another tenant's, unknown, still running, failed or cancelled).
   */
  async open(organizationId: string, id: string): Promise<{ report: ReportRecord; content: Readable } | 'expired' | null> {
    const report = await this.reports.get(organizationId, id);
    if (!report || report.status !== 'ready') return null;
    if (report.expiresAt.getTime() <= Date.now()) return 'expired';
    const content = await this.store.get(report.id);
    return content ? { report, content } : null;
  }

  recent(organizationId: string | undefined, limit: number): Promise<ReportRecord[]> {
    return this.reports.recent(organizationId, limit);
  }
}
