import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { parseOr400 } from '../http/validation';
import { AiResultsService, AiUsageRow } from './ai-results.service';

const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z' })
  .or(z.iso.date({ error: 'must be an ISO 8601 date or date-time' }))
  .transform((s) => new Date(s));

const usageQuery = z
  .object({
    organizationId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' })
      .optional(),
    from: instant.optional(),
    to: instant.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], error: 'must be after from' });

@Controller('admin/api/ai')
@UseGuards(AdminAuthGuard)
export class AiUsageController {
  constructor(private readonly results: AiResultsService) {}

  /** Tokens and estimated cost per organization, provider and job type, over [from, to). */
  @Get('usage')
  async usage(@Query() query: unknown): Promise<{
    from: string | null;
    to: string | null;
    items: AiUsageRow[];
    totals: Omit<AiUsageRow, 'organizationId' | 'provider' | 'type'>;
  }> {
    const q = parseOr400(usageQuery, query);
    const items = await this.results.usage(q);
    const totals = items.reduce(
      (t, r) => ({
        calls: t.calls + r.calls,
        inputTokens: t.inputTokens + r.inputTokens,
        outputTokens: t.outputTokens + r.outputTokens,
        estimatedCostUsd: Math.round((t.estimatedCostUsd + r.estimatedCostUsd) * 1_000_000) / 1_000_000,
      }),
      { calls: 0, inputTokens: 0, outputTokens: 0, estimatedCostUsd: 0 },
    );
    return { from: q.from?.toISOString() ?? null, to: q.to?.toISOString() ?? null, items, totals };
  }
}
