import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import type { AppConfig } from '../../../config/configuration';
import { InjectConfig } from '../../../config/app-config.module';
import type { AdminPrincipal } from '../../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin } from '../../auth/admin-auth.guard';
import { DeadLetterService } from '../../jobs/dead-letter/dead-letter.service';
import { DEAD_LETTER_STATUSES } from '../../jobs/dead-letter/dead-letter.types';
import { JobsService } from '../../jobs/jobs.service';
import { JobValidationError, WORK_QUEUES } from '../../jobs/types/index';
import { DeadLetterActionsService } from '../dead-letter-actions.service';
import { redactEntry } from '../redact-entry';
import { CsrfTokens } from './csrf';
import { sendPage } from './html-page';
import { bulkConfirmPage, CONSOLE_ROUTE, detailPage, editPage, listPage, messagePage, noticeText, query } from './dead-letter.views';

const PAGE_SIZE = 25;
const text = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined));
const filterSchema = z.object({
  queue: z
    .enum(WORK_QUEUES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  organization: text(200),
  reason: text(200),
});
const listSchema = filterSchema.extend({
  status: z.enum([...DEAD_LETTER_STATUSES, 'all']).default('pending'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  notice: z.string().max(40).optional(),
  done: z.coerce.number().int().min(0).optional(),
  skipped: z.coerce.number().int().min(0).optional(),
  failed: z.coerce.number().int().min(0).optional(),
});
const bulkSchema = filterSchema.extend({
  action: z.enum(['replay', 'dismiss']),
  confirm: z.literal('yes').optional(),
  // The confirmation page's checkbox, required when the filter is empty (every pending entry of every queue).
  all: z.literal('yes').optional(),
});

const send = sendPage;

/**
 * The dead-letter console: server-rendered pages under /admin/dead-letter. Viewers read entries
 * redacted; operators can reveal payloads, replay (as stored or edited), dismiss, and act on a
 * whole filtered set. Forms carry a CSRF token; every action lands in the audit trail.
 */
@Controller('admin/dead-letter')
@UseGuards(AdminAuthGuard)
export class DeadLetterConsoleController {
  private readonly csrf: CsrfTokens;

  constructor(
    private readonly deadLetters: DeadLetterService,
    private readonly actions: DeadLetterActionsService,
    private readonly jobs: JobsService,
    @InjectConfig() config: AppConfig,
  ) {
    this.csrf = new CsrfTokens(config.auth.jwtSecret);
  }

  @Get()
  async list(@Query() raw: unknown, @CurrentAdmin() admin: AdminPrincipal, @Res() res: Response): Promise<void> {
    const parsed = listSchema.safeParse(raw);
    if (!parsed.success)
      return send(
        res,
        400,
        messagePage({ admin }, 'Bad filter', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')),
      );
    const f = parsed.data;
    const filter = {
      queue: f.queue,
      organizationId: f.organization,
      reason: f.reason,
      status: f.status === 'all' ? undefined : f.status,
      // Viewers filter on what they are shown (operators act on entries as stored, see bulk).
      reasonAsRedacted: admin.role !== 'operator',
    };
    const page = await this.deadLetters.list(filter, (f.page - 1) * PAGE_SIZE, PAGE_SIZE);
    send(
      res,
      200,
      listPage(
        this.ctx(admin),
        { queue: f.queue, organization: f.organization, reason: f.reason, status: f.status, page: f.page },
        { total: page.total, items: page.items.map(redactEntry), pageSize: PAGE_SIZE },
        { queues: WORK_QUEUES, notice: noticeText(f.notice, f) },
      ),
    );
  }

  @Post('bulk')
  async bulk(@Body() body: Record<string, unknown>, @CurrentAdmin() admin: AdminPrincipal, @Res() res: Response): Promise<void> {
    if (!this.allowed(admin, body, res)) return;
    const parsed = bulkSchema.safeParse(body);
    if (!parsed.success) return send(res, 400, messagePage({ admin }, 'Bad request', 'The bulk action or its filter is not valid.'));
    const { action, confirm, ...f } = parsed.data;
    const { all, ...criteria } = f;
    const filter = { queue: criteria.queue, organizationId: criteria.organization, reason: criteria.reason };
    const everything = !filter.queue && !filter.organizationId && !filter.reason;
    if (confirm !== 'yes') {
      const count = (await this.deadLetters.matchingIds({ ...filter, status: 'pending' })).length;
      return send(res, 200, bulkConfirmPage(this.ctx(admin), action, criteria, count));
    }
    if (everything && all !== 'yes')
      return send(
        res,
        400,
        messagePage(
          { admin },
          'Not confirmed',
          'With no filter this acts on every pending entry of every queue: tick the box on the confirmation page to mean that.',
        ),
      );
    const result = await this.actions.bulk(admin, action, everything ? { all: true } : filter);
    res.redirect(
      303,
      `${CONSOLE_ROUTE}${query({ queue: f.queue, organization: f.organization, reason: f.reason, notice: action === 'replay' ? 'bulk-replayed' : 'bulk-dismissed', done: result.done, skipped: result.skipped, failed: result.failed })}`,
    );
  }

  @Get(':id')
  async detail(
    @Param('id') id: string,
    @Query('reveal') reveal: string | undefined,
    @Query('notice') notice: string | undefined,
    @CurrentAdmin() admin: AdminPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const wantsReveal = reveal === '1';
    if (wantsReveal && admin.role !== 'operator')
      return send(res, 403, messagePage({ admin }, 'Not allowed', 'Revealing confidential fields needs the operator role.'));
    const entry = wantsReveal ? await this.actions.reveal(admin, id) : await this.deadLetters.get(id);
    if (!entry) return send(res, 404, messagePage({ admin }, 'Not found', `There is no dead-letter entry ${id}.`));
    const [audit, replayState] = await Promise.all([
      this.actions.history(id),
      entry.replayedJobId ? this.jobs.queue(entry.queue).getJobState(entry.replayedJobId) : Promise.resolve(undefined),
    ]);
    send(
      res,
      200,
      detailPage(this.ctx(admin), wantsReveal ? entry : redactEntry(entry), {
        revealed: wantsReveal,
        audit,
        replayState,
        notice: noticeText(notice, {}),
      }),
    );
  }

  @Get(':id/edit')
  async editForm(@Param('id') id: string, @CurrentAdmin() admin: AdminPrincipal, @Res() res: Response): Promise<void> {
    if (admin.role !== 'operator') return send(res, 403, messagePage({ admin }, 'Not allowed', 'Editing needs the operator role.'));
    // Editing shows the whole payload: recorded as a reveal.
    const entry = await this.actions.reveal(admin, id);
    if (!entry) return send(res, 404, messagePage({ admin }, 'Not found', `There is no dead-letter entry ${id}.`));
    send(res, 200, editPage(this.ctx(admin), entry, JSON.stringify(entry.data, null, 2)));
  }

  @Post(':id/edit')
  async editAndReplay(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentAdmin() admin: AdminPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.allowed(admin, body, res)) return;
    const entry = await this.deadLetters.get(id);
    if (!entry) return send(res, 404, messagePage({ admin }, 'Not found', `There is no dead-letter entry ${id}.`));
    const textBody = typeof body.payload === 'string' ? body.payload : '';
    let data: unknown;
    try {
      data = JSON.parse(textBody);
    } catch (err) {
      return send(
        res,
        400,
        editPage(this.ctx(admin), entry, textBody, [{ field: '(payload)', message: `is not valid JSON: ${(err as Error).message}` }]),
      );
    }
    try {
      const result = await this.actions.replay(admin, id, { data });
      res.redirect(
        303,
        `${CONSOLE_ROUTE}/${encodeURIComponent(id)}${query({ notice: result?.alreadyReplayed ? 'already-done' : 'edited-replayed' })}`,
      );
    } catch (err) {
      if (err instanceof JobValidationError) return send(res, 400, editPage(this.ctx(admin), entry, textBody, err.errors));
      throw err;
    }
  }

  @Post(':id/replay')
  async replay(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentAdmin() admin: AdminPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.allowed(admin, body, res)) return;
    const result = await this.actions.replay(admin, id);
    if (!result) return send(res, 404, messagePage({ admin }, 'Not found', `There is no dead-letter entry ${id}.`));
    res.redirect(
      303,
      `${CONSOLE_ROUTE}/${encodeURIComponent(id)}${query({ notice: result.alreadyReplayed ? 'already-done' : 'replayed' })}`,
    );
  }

  @Post(':id/dismiss')
  async dismiss(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentAdmin() admin: AdminPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.allowed(admin, body, res)) return;
    const result = await this.actions.dismiss(admin, id);
    if (!result) return send(res, 404, messagePage({ admin }, 'Not found', `There is no dead-letter entry ${id}.`));
    res.redirect(303, `${CONSOLE_ROUTE}/${encodeURIComponent(id)}${query({ notice: result.dismissed ? 'dismissed' : 'already-done' })}`);
  }

  private ctx(admin: AdminPrincipal) {
    return { admin, csrf: this.csrf.issue(admin.name) };
  }

  /** Operator role and a valid CSRF token, or an error page (and false). */
  private allowed(admin: AdminPrincipal, body: Record<string, unknown> | undefined, res: Response): boolean {
    if (admin.role !== 'operator') {
      send(res, 403, messagePage({ admin }, 'Not allowed', 'This action needs the operator role.'));
      return false;
    }
    if (!this.csrf.verify(admin.name, body?._csrf)) {
      send(
        res,
        403,
        messagePage(
          { admin },
          'Form expired',
          'The form was missing its security token or it expired. Go back, reload the page and try again.',
        ),
      );
      return false;
    }
    return true;
  }
}
