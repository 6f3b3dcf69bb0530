import { Body, Controller, ForbiddenException, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { AdminPrincipal } from '../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin, RequireAdminRole } from '../auth/admin-auth.guard';
import { parseOr400 } from '../http/validation';
import { DeadLetterActionsService } from './dead-letter-actions.service';
import { redactEntry } from './redact-entry';
import { sealedSummary } from '../jobs/sealing/sealed-payload';
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
/** Bulk actions require an explicit filter object; `{}` means every pending entry. */
const bulkSchema = filterSchema.omit({ status: true }).strict();

/** Operators read payloads as stored (sealed, shown as such); viewers read them redacted. */
function forRole<T extends DeadLetterItem>(admin: AdminPrincipal, item: T): T {
  return admin.role === 'operator' ? { ...item, data: sealedSummary(item.data) } : redactEntry(item);
}

/** Reads for any admin; every change needs the operator role and is recorded in the audit trail. */
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
    const page = await this.deadLetters.list(filter, offset, limit);
    return { total: page.total, items: page.items.map((i) => forRole(admin, i)) };
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
  async get(
    @Param('id') id: string,
    @Query('reveal') reveal: string | undefined,
    @CurrentAdmin() admin: AdminPrincipal,
  ): Promise<DeadLetterDetail> {
    // ?reveal=1: the payload opened, for operators only, recorded in the audit trail.
    if (reveal === '1') {
      if (admin.role !== 'operator') throw new ForbiddenException('revealing a payload needs the operator role');
      const revealed = await this.actions.reveal(admin, id);
      if (!revealed) throw new NotFoundException(`no dead-letter entry ${id}`);
      return revealed;
    }
    const entry = await this.deadLetters.get(id);
    if (!entry) throw new NotFoundException(`no dead-letter entry ${id}`);
    return forRole(admin, entry);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @RequireAdminRole('operator')
  async replay(@Param('id') id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<ReplayResult> {
    const result = await this.actions.replay(admin, id);
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
