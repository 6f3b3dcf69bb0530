import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { AiResultItem, AiResultsService } from '../ai/ai-results.service';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { AuthenticatedRequest, CurrentPrincipal, Principal } from '../auth/principal';
import type { EventContext } from '../events/base.event';
import { parseOr400 } from '../http/validation';
import { ifMatchVersions, preconditionFailed, versionTag } from '../http/preconditions';
import { API_PREFIX } from '../http/routes';
import { CASE_ENTITY_TYPE } from '../events/case.events';
import { Case, CasePage, createCaseSchema, isCaseId, listCasesSchema, StaleCaseVersionError, updateCaseSchema } from './case.types';
import { CasesService } from './cases.service';

/** A stale If-Match is a 412 with the current version; anything else passes through. */
async function checkedVersion<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof StaleCaseVersionError) throw preconditionFailed(err.currentVersion);
    throw err;
  }
}

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
  async create(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Case> {
    const created = await this.cases.create(contextOf(principal, req), parseOr400(createCaseSchema, body));
    res.setHeader('Location', `/${API_PREFIX}/cases/${created.id}`);
    res.setHeader('ETag', versionTag(created.version));
    return created;
  }

  @Get()
  list(@Query() query: unknown, @CurrentPrincipal() principal: Principal): Promise<CasePage> {
    return this.cases.list(principal.organizationId, parseOr400(listCasesSchema, query));
  }

  /** The case with its AI outcomes (summary, category): status, output, provider, reason. */
  @Get(':id')
  async get(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Case & { ai: { items: AiResultItem[] } }> {
    if (!isCaseId(id)) throw notFound(id);
    // Both reads at once (both scoped to the caller's organization): one round trip of waiting, not two.
    const [found, items] = await Promise.all([
      this.cases.get(principal.organizationId, id),
      this.aiResults.list(principal.organizationId, CASE_ENTITY_TYPE, id),
    ]);
    if (!found) throw notFound(id);
    // The tag is the case's version (what If-Match is checked against); AI outcomes are not part of it.
    res.setHeader('ETag', versionTag(found.version));
    return { ...found, ai: { items } };
  }

  /** If-Match (optional): the write happens only if the case is still at that version, else 412. */
  @Patch(':id')
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Case> {
    const input = parseOr400(updateCaseSchema, body);
    const expected = ifMatchVersions(ifMatch);
    const updated = await checkedVersion(this.cases.update(contextOf(principal, req), id, input, expected));
    if (!updated) throw notFound(id);
    res.setHeader('ETag', versionTag(updated.version));
    return updated;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() req: AuthenticatedRequest,
  ): Promise<void> {
    const expected = ifMatchVersions(ifMatch);
    if (!(await checkedVersion(this.cases.remove(contextOf(principal, req), id, expected)))) throw notFound(id);
  }
}
