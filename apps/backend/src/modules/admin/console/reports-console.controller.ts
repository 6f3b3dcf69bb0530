import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import type { AdminPrincipal } from '../../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin } from '../../auth/admin-auth.guard';
import { JobCancellationsRepository } from '../../jobs/cancellation/job-cancellations.repository';
import { ReportsService } from '../../reports/reports.service';
import { sendPage } from './html-page';
import { messagePage } from './dead-letter.views';
import { reportsPage } from './reports.views';

const RECENT = 50;
const querySchema = z.object({
  organization: z
    .string()
    .max(200)
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined)),
});

/** Recent reports and cancellations, per tenant or across tenants; read-only, for every admin role. */
@Controller('admin/reports')
@UseGuards(AdminAuthGuard)
export class ReportsConsoleController {
  constructor(
    private readonly reports: ReportsService,
    private readonly cancellations: JobCancellationsRepository,
  ) {}

  @Get()
  async list(@Query() raw: unknown, @CurrentAdmin() admin: AdminPrincipal, @Res() res: Response): Promise<void> {
    const parsed = querySchema.safeParse(raw);
    if (!parsed.success) return sendPage(res, 400, messagePage({ admin }, 'Bad request', 'The organization filter is not valid.'));
    const organization = parsed.data.organization;
    const [reports, cancellations] = await Promise.all([
      this.reports.recent(organization, RECENT),
      this.cancellations.recent(organization, RECENT),
    ]);
    sendPage(res, 200, reportsPage(admin, organization, reports, cancellations));
  }
}
