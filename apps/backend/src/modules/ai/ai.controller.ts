import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { parseOr400 } from '../http/validation';
import { AiCategoriesService } from './ai-categories.service';
import { AiResultItem, AiResultsService } from './ai-results.service';
import type { OrgCategory } from './ai.types';

// NUL cannot be in a PostgreSQL text parameter: a 400, not a failed query.
const id = z
  .string({ error: 'is required' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' })
  .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' });
const resultsQuery = z.object({ entityType: id, entityId: id });

@Controller('ai')
@UseGuards(JwtAuthGuard)
export class AiController {
  constructor(
    private readonly results: AiResultsService,
    private readonly categories: AiCategoriesService,
  ) {}

  /** The caller's organization's AI outcomes for one entity. */
  @Get('results')
  async list(@Query() query: unknown, @CurrentPrincipal() principal: Principal): Promise<{ items: AiResultItem[] }> {
    const { entityType, entityId } = parseOr400(resultsQuery, query);
    return { items: await this.results.list(principal.organizationId, entityType, entityId) };
  }

  /** The categories `categorize` chooses from for the caller's organization. */
  @Get('categories')
  async listCategories(@CurrentPrincipal() principal: Principal): Promise<{ items: { name: string }[] }> {
    const categories: OrgCategory[] = await this.categories.forOrganization(principal.organizationId);
    return { items: categories.map((c) => ({ name: c.name })) };
  }
}
