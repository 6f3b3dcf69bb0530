import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { PayloadKeyError } from '../jobs/sealing/payload-key.errors';
import { PayloadSealer } from '../jobs/sealing/payload-sealer';
import { reportSubject } from './case-export.service';
import { REPORT_STORE, ReportStore } from './report-store';
import { ReportRecord, ReportsRepository } from './reports.repository';

/** Reads reports for their tenant: the record (scoped to the organization) and then the file. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    @Inject(REPORT_STORE) private readonly store: ReportStore,
    private readonly sealer: PayloadSealer,
  ) {}

  /**
   * A ready report of this organization and its bytes; 'expired' past its expiry (until the sweep
   * deletes the record, after which it is simply not found); 'unreadable' when its file no longer
   * opens (the tenant's data key destroyed, or the file altered); null when there is none to download
   * (another tenant's, unknown, still running, failed or cancelled).
   */
  async open(organizationId: string, id: string): Promise<{ report: ReportRecord; content: Readable } | 'expired' | 'unreadable' | null> {
    const report = await this.reports.get(organizationId, id);
    if (!report || report.status !== 'ready') return null;
    if (report.expiresAt.getTime() <= Date.now()) return 'expired';
    const sealed = await this.store.get(report.id);
    if (!sealed) return null;
    const content = await this.sealer.openingStream(organizationId, reportSubject(report.id), sealed).catch((err: unknown) => {
      if (err instanceof PayloadKeyError) return 'unreadable' as const;
      throw err;
    });
    return content === 'unreadable' ? content : { report, content };
  }

  recent(organizationId: string | undefined, limit: number): Promise<ReportRecord[]> {
    return this.reports.recent(organizationId, limit);
  }
}
