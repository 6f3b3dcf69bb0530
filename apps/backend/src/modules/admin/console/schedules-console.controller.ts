import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import type { AdminPrincipal } from '../../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin } from '../../auth/admin-auth.guard';
import { SchedulesService } from '../../schedules/schedules.service';
import { query } from './dead-letter.views';
import { sendPage } from './html-page';
import { pageTemplate } from './view-templates';

const SCHEDULES_CONSOLE_ROUTE = '/admin/schedules';
const PAGE_SIZE = 100;

const listSchema = z.object({
  organization: z
    .string()
    .max(200)
    .optional()
    .transform((v) => v?.trim() || undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

interface SchedulesView {
  title: string;
  admin: AdminPrincipal;
  organization: string;
  total: number;
  page: number;
  pages: number;
  rows: {
    organizationId: string;
    type: string;
    when: string;
    timezone: string;
    enabled: string;
    nextRun: string;
    lastRun: string;
    lastResult: string;
  }[];
  previousHref: string | null;
  nextHref: string | null;
}

const render = pageTemplate<SchedulesView>('schedules', SCHEDULES_CONSOLE_ROUTE);

const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');

/**
 * Every tenant's recurring jobs, read-only: what runs when (next run from Redis), and how the last
 * run went (written by the job). Tenants change their schedules through the API.
 */
@Controller('admin/schedules')
@UseGuards(AdminAuthGuard)
export class SchedulesConsoleController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get()
  async list(@Query() raw: unknown, @CurrentAdmin() admin: AdminPrincipal, @Res() res: Response): Promise<void> {
    const parsed = listSchema.safeParse(raw);
    const filter = parsed.success ? parsed.data : { organization: undefined, page: 1 };
    const all = (await this.schedules.all()).filter((s) => !filter.organization || s.organizationId.includes(filter.organization));
    const rows = all.slice((filter.page - 1) * PAGE_SIZE, filter.page * PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
    const href = (page: number) => `${SCHEDULES_CONSOLE_ROUTE}${query({ organization: filter.organization, page })}`;
    const body = render({
      title: 'Schedules',
      admin,
      organization: filter.organization ?? '',
      total: all.length,
      page: filter.page,
      pages,
      rows: rows.map((s) => ({
        organizationId: s.organizationId,
        type: s.type,
        when: s.type === 'sla-check' ? `every ${s.intervalMinutes} min` : `daily at ${s.time}`,
        timezone: s.timezone,
        enabled: s.enabled ? 'yes' : 'no',
        nextRun: when(s.nextRunAt),
        lastRun: when(s.lastRunAt),
        lastResult: s.lastStatus ? `${s.lastStatus}: ${JSON.stringify(s.lastResult)}` : '—',
      })),
      previousHref: filter.page > 1 ? href(filter.page - 1) : null,
      nextHref: filter.page < pages ? href(filter.page + 1) : null,
    });
    sendPage(res, 200, body);
  }
}
