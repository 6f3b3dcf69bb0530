import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import type { AdminPrincipal } from '../../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin } from '../../auth/admin-auth.guard';
import { SchedulesService } from '../../schedules/schedules.service';
import { layout } from './dead-letter.views';
import { html, query } from './html';

export const SCHEDULES_CONSOLE_ROUTE = '/admin/schedules';
const PAGE_SIZE = 100;

const listSchema = z.object({
  organization: z
    .string()
    .max(200)
    .optional()
    .transform((v) => v?.trim() || undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

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
    const body = html`<h1>Schedules</h1>
      <form class="filters" method="get" action="${SCHEDULES_CONSOLE_ROUTE}">
        <label>Organization <input name="organization" value="${filter.organization ?? ''}" /></label>
        <button type="submit">Filter</button>
      </form>
      <p class="muted">${all.length} schedule(s), page ${filter.page} of ${pages}</p>
      <table>
        <tr>
          <th>Organization</th>
          <th>Job</th>
          <th>When</th>
          <th>Zone</th>
          <th>Enabled</th>
          <th>Next run</th>
          <th>Last run</th>
          <th>Last result</th>
        </tr>
        ${rows.map(
          (s) =>
            html`<tr>
              <td>${s.organizationId}</td>
              <td>${s.type}</td>
              <td>${s.type === 'sla-check' ? `every ${s.intervalMinutes} min` : `daily at ${s.time}`}</td>
              <td>${s.timezone}</td>
              <td>${s.enabled ? 'yes' : 'no'}</td>
              <td>${when(s.nextRunAt)}</td>
              <td>${when(s.lastRunAt)}</td>
              <td class="reason">${s.lastStatus ? `${s.lastStatus}: ${JSON.stringify(s.lastResult)}` : '—'}</td>
            </tr>`,
        )}
      </table>
      <p>
        ${filter.page > 1 ? html`<a href="${SCHEDULES_CONSOLE_ROUTE}${query({ organization: filter.organization, page: filter.page - 1 })}">Previous</a>` : ''}
        ${filter.page < pages ? html`<a href="${SCHEDULES_CONSOLE_ROUTE}${query({ organization: filter.organization, page: filter.page + 1 })}">Next</a>` : ''}
      </p>`;
    res
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy':
          "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        'X-Frame-Options': 'DENY',
        'X-Content-Type-Options': 'nosniff',
      })
      .send(layout({ admin }, 'Schedules', body));
  }
}
