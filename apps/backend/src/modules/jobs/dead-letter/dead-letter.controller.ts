import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { parseOr400 } from '../../http/validation';
import { WORK_QUEUES } from '../types';
import { DeadLetterService, ReplayResult } from './dead-letter.service';
import { DEAD_LETTER_STATUSES, DeadLetterDetail, DeadLetterItem } from './dead-letter.types';

const filterSchema = z.object({
  queue: z.enum(WORK_QUEUES, { error: `must be one of ${WORK_QUEUES.join(', ')}` }).optional(),
  organizationId: z.string().min(1).max(200).optional(),
  status: z.enum(DEAD_LETTER_STATUSES, { error: `must be one of ${DEAD_LETTER_STATUSES.join(', ')}` }).optional(),
});
const listSchema = filterSchema.extend({
  status: filterSchema.shape.status.default('pending'),
  offset: z.coerce.number({ error: 'must be a number' }).int().min(0).default(0),
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(500, { error: 'must be at most 500' }).default(50),
});
/** Bulk actions require an explicit filter object; `{}` means every pending entry. */
const bulkSchema = filterSchema.omit({ status: true }).strict();

@Controller('admin/api/dead-letter')
@UseGuards(AdminAuthGuard)
export class DeadLetterController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @Get()
  list(@Query() query: unknown): Promise<{ total: number; items: DeadLetterItem[] }> {
    const { offset, limit, ...filter } = parseOr400(listSchema, query);
    return this.deadLetters.list(filter, offset, limit);
  }

  @Post('replay')
  @HttpCode(200)
  replayAll(@Body() body: unknown): Promise<{ replayed: number }> {
    return this.deadLetters.replayMatching(parseOr400(bulkSchema, body ?? {}));
  }

  @Post('dismiss')
  @HttpCode(200)
  dismissAll(@Body() body: unknown): Promise<{ dismissed: number }> {
    return this.deadLetters.dismissMatching(parseOr400(bulkSchema, body ?? {}));
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<DeadLetterDetail> {
    const entry = await this.deadLetters.get(id);
    if (!entry) throw new NotFoundException(`no dead-letter entry ${id}`);
    return entry;
  }

  @Post(':id/replay')
  @HttpCode(200)
  async replay(@Param('id') id: string): Promise<ReplayResult> {
    const result = await this.deadLetters.replay(id);
    if (!result) throw new NotFoundException(`no dead-letter entry ${id}`);
    return result;
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  async dismiss(@Param('id') id: string): Promise<{ id: string; status: 'dismissed' }> {
    if (!(await this.deadLetters.dismiss(id))) throw new NotFoundException(`no dead-letter entry ${id}`);
    return { id, status: 'dismissed' };
  }
}
