import type { AdminPrincipal } from '../../auth/admin-auth';
import type { CancellationRecord } from '../../jobs/cancellation/job-cancellations.repository';
import type { ReportRecord } from '../../reports/reports.repository';
import { age } from './dead-letter.views';
import { pageTemplate } from './view-templates';

const REPORTS_CONSOLE_ROUTE = '/admin/reports';

interface ReportsView {
  title: string;
  admin: AdminPrincipal | null;
  organization: string;
  reports: {
    id: string;
    createdAt: string;
    age: string;
    organization: string;
    format: string;
    status: string;
    rows: number;
    size: string;
    expiresAt: string;
    jobId: string;
  }[];
  cancellations: {
    at: string;
    age: string;
    organization: string;
    queue: string;
    jobId: string;
    name: string;
    state: string;
    outcome: string;
    requestedBy: string;
  }[];
}

const template = pageTemplate<ReportsView>('reports', REPORTS_CONSOLE_ROUTE);

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Recent reports and cancellations, of one organization or of all (metadata only: no report content). */
export function reportsPage(
  admin: AdminPrincipal,
  organization: string | undefined,
  reports: ReportRecord[],
  cancellations: CancellationRecord[],
  now = Date.now(),
): string {
  return template({
    title: 'Reports',
    admin,
    organization: organization ?? '',
    reports: reports.map((r) => ({
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      age: age(r.createdAt.toISOString(), now),
      organization: r.organizationId,
      format: r.format,
      status: r.status,
      rows: r.rows,
      size: r.status === 'ready' ? bytes(r.bytes) : '–',
      expiresAt: r.expiresAt.toISOString(),
      jobId: r.jobId,
    })),
    cancellations: cancellations.map((c) => ({
      at: c.at.toISOString(),
      age: age(c.at.toISOString(), now),
      organization: c.organizationId,
      queue: c.queue,
      jobId: c.jobId,
      name: c.jobName,
      state: c.state,
      outcome: c.outcome === 'removed' ? 'removed before it ran' : 'aborted while running',
      requestedBy: c.requestedBy ?? '–',
    })),
  });
}
