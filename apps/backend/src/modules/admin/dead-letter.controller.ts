import { Body, Controller, ForbiddenException, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { AdminPrincipal } from '../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin, RequireAdminRole } from '../auth/admin-auth.guard';
import { parseOr400 } from '../http/validation';
import { DeadLetterActionsService } from './dead-letter-actions.service';
import { redactEntry } from './redact-entry';
import { WORK_QUEUES } from '../jobs/types/index';
import { DeadLetterService, ReplayResult } from '../jobs/dead-letter/dead-letter.service';
import { DEAD_LETTER_STATUSES, DeadLetterDetail, DeadLetterItem } from '../jobs/dead-letter/dead-letter.types';

const filterSchema = z.object({
  queue: z.enum(WORK_QUEUES, { error: `must be one of ${WORK_QUEUES.join(', ')}` }).optional(),
  organizationId: z.string().min(1).max(200).optional(),
  status: z.enum(DEAD_LETTER_STATUSES, { error: `must be one of ${DEAD_LETTER_STATUSES.join(', ')}` }).optional(),
  reason: z.string().min(1).max(200).optional(),
});
const listSchema = filterSchema.extend({
  status: filterSchema.shape.status.default('pending'),
  offset: z.coerce.number({ error: 'must be a number' }).int().min(0).default(0),
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(500, { error: 'must be at most 500' }).default(50),
});
const EMPTY_FILTER = 'an empty filter means every pending entry of every queue: send {"all": true} to mean that';
/**
 * Bulk actions take a filter, or `{"all": true}` for every pending entry: a missing body or `{}`
 * is refused, so nobody replays or dismisses everything by leaving the filter out.
 */
const bulkSchema = filterSchema
  .omit({ status: true })
  .extend({ all: z.literal(true, { error: 'must be true, or left out with a filter' }).optional() })
  .strict()
  .superRefine((b, ctx) => {
    const filtered = b.queue !== undefined || b.organizationId !== undefined || b.reason !== undefined;
    if (b.all && filtered) ctx.addIssue({ code: 'custom', path: ['all'], message: 'must not be combined with a filter' });
    if (!b.all && !filtered) ctx.addIssue({ code: 'custom', path: ['all'], message: EMPTY_FILTER });
  });

const revealSchema = z.enum(['true', 'false'], { error: 'must be true or false' }).optional();
const replaySchema = z
  .object({ data: z.record(z.string(), z.unknown(), { error: 'must be a JSON object (the payload to replay)' }).optional() })
  .strict();

/**
 * Reads for any admin, redacted; an operator sees one entry as stored with `?reveal=true`, which
 * is recorded like the console's reveal. Every change needs the operator role and is recorded too.
 */
@Controller('admin/api/dead-letter')
@UseGuards(AdminAuthGuard)
export class DeadLetterController {
  constructor(
    private readonly deadLetters: DeadLetterService,
    private readonly actions: DeadLetterActionsService,
  ) {}

  @Get()
  async list(@Query() query: unknown, @CurrentAdmin() admin: AdminPrincipal): Promise<{ total: number; items: DeadLetterItem[] }> {
    const { offset, limit, ...filter } = parseOr400(listSchema, query);
    const page = await this.deadLetters.list({ ...filter, reasonAsRedacted: admin.role !== 'operator' }, offset, limit);
    return { total: page.total, items: page.items.map(redactEntry) };
  }

  @Post('replay')
  @HttpCode(200)
  @RequireAdminRole('operator')
  async replayAll(@Body() body: unknown, @CurrentAdmin() admin: AdminPrincipal): Promise<{ replayed: number }> {
    const result = await this.actions.bulk(admin, 'replay', parseOr400(bulkSchema, body ?? {}));
    return { replayed: result.done };
  }

  @Post('dismiss')
  @HttpCode(200)
  @RequireAdminRole('operator')
  async dismissAll(@Body() body: unknown, @CurrentAdmin() admin: AdminPrincipal): Promise<{ dismissed: number }> {
    const result = await this.actions.bulk(admin, 'dismiss', parseOr400(bulkSchema, body ?? {}));
    return { dismissed: result.done };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Query('reveal') reveal: unknown, @CurrentAdmin() admin: AdminPrincipal): Promise<DeadLetterDetail> {
    const revealed = parseOr400(revealSchema, reveal, ['reveal']) === 'true';
    if (revealed && admin.role !== 'operator') throw new ForbiddenException('revealing a payload needs the operator role');
    const entry = revealed ? await this.actions.reveal(admin, id) : await this.deadLetters.get(id);
    if (!entry) throw new NotFoundException(`no dead-letter entry ${id}`);
    return revealed ? entry : redactEntry(entry);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @RequireAdminRole('operator')
  async replay(@Param('id') id: string, @Body() body: unknown, @CurrentAdmin() admin: AdminPrincipal): Promise<ReplayResult> {
    // `{ "data": {...} }` replays an edited payload (edit-and-replay); no body replays as stored.
    const { data } = parseOr400(replaySchema, body ?? {});
    const result = await this.actions.replay(admin, id, data === undefined ? {} : { data });
    if (!result) throw new NotFoundException(`no dead-letter entry ${id}`);
    return result;
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  @RequireAdminRole('operator')
  async dismiss(@Param('id') id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<{ id: string; status: 'dismissed' }> {
    if (!(await this.actions.dismiss(admin, id))) throw new NotFoundException(`no dead-letter entry ${id}`);
    return { id, status: 'dismissed' };
  }
}
