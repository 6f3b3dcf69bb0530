import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import { AiResultItem, AiResultsService } from '../ai/ai-results.service';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { AuthenticatedRequest, CurrentPrincipal, Principal } from '../auth/principal';
import type { EventContext } from '../events/base.event';
import { parseOr400 } from '../http/validation';
import { CASE_ENTITY_TYPE } from '../events/case.events';
import { Case, CasePage, createCaseSchema, isCaseId, listCasesSchema, updateCaseSchema } from './case.types';
import { CasesService } from './cases.service';

const contextOf = (p: Principal, req: AuthenticatedRequest): EventContext => ({
  organizationId: p.organizationId,
  actorUserId: p.userId,
  correlationId: req.correlationId,
});

const notFound = (id: string) => new NotFoundException(`no case ${id}`);

@Controller('cases')
@UseGuards(JwtAuthGuard)
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly aiResults: AiResultsService,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() req: AuthenticatedRequest): Promise<Case> {
    return this.cases.create(contextOf(principal, req), parseOr400(createCaseSchema, body));
  }

  @Get()
  list(@Query() query: unknown, @CurrentPrincipal() principal: Principal): Promise<CasePage> {
    return this.cases.list(principal.organizationId, parseOr400(listCasesSchema, query));
  }

  /** The case with its AI outcomes (summary, category): status, output, provider, reason. */
  @Get(':id')
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<Case & { ai: { items: AiResultItem[] } }> {
    if (!isCaseId(id)) throw notFound(id);
    // Both reads at once (both scoped to the caller's organization): one round trip of waiting, not two.
    const [found, items] = await Promise.all([
      this.cases.get(principal.organizationId, id),
      this.aiResults.list(principal.organizationId, CASE_ENTITY_TYPE, id),
    ]);
    if (!found) throw notFound(id);
    return { ...found, ai: { items } };
  }

  @Patch(':id')
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: AuthenticatedRequest,
  ): Promise<Case> {
    const input = parseOr400(updateCaseSchema, body);
    const updated = await this.cases.update(contextOf(principal, req), id, input);
    if (!updated) throw notFound(id);
    return updated;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Req() req: AuthenticatedRequest): Promise<void> {
    if (!(await this.cases.remove(contextOf(principal, req), id))) throw notFound(id);
  }
}
