import { Body, Controller, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { AuthenticatedRequest, CurrentPrincipal, Principal } from '../auth/principal';
import { parseOr400 } from '../http/validation';
import type { EnqueuedJob } from '../jobs/jobs.service';
import { SearchService } from './search.service';
import { reindexRequestSchema, SearchResult, searchQuerySchema } from './search.types';

@Controller('search')
@UseGuards(JwtAuthGuard)
export class SearchController {
  private readonly querySchema: ReturnType<typeof searchQuerySchema>;

  constructor(
    private readonly search: SearchService,
    @InjectConfig() config: AppConfig,
  ) {
    this.querySchema = searchQuerySchema(config.search.maxQueryLength);
  }

  @Get()
  find(@Query() query: unknown, @CurrentPrincipal() principal: Principal): Promise<SearchResult> {
    return this.search.search(principal.organizationId, parseOr400(this.querySchema, query));
  }

  /** Rebuilds the caller's organization's index (all of it, one entity type, or one entity) at Low priority. */
  @Post('reindex')
  @HttpCode(202)
  async reindex(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: AuthenticatedRequest,
  ): Promise<{ jobs: EnqueuedJob[] }> {
    const request = parseOr400(reindexRequestSchema, body ?? {});
    return { jobs: await this.search.requestReindex(principal.organizationId, req.correlationId, request) };
  }
}
