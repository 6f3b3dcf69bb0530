import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DatabaseService } from '../database/database.service';
import type { AiJobType } from '../jobs/types';
import type { AiProviderName, TokenUsage } from './ai.types';
import type { CallRecord } from './provider-chain';

export const AI_RESULT_STATUSES = ['pending', 'ready', 'unavailable'] as const;
export type AiResultStatus = (typeof AI_RESULT_STATUSES)[number];

export interface AiResultKey {
  organizationId: string;
  entityType: string;
  entityId: string;
  type: AiJobType;
  targetLanguage?: string;
}

export interface AiResultItem {
  type: AiJobType;
  /** Set for translations only. */
  targetLanguage?: string;
  status: AiResultStatus;
  output: string | null;
  provider: AiProviderName | null;
  model: string | null;
  reason: string | null;
  updatedAt: string;
}

export interface AiUsageRow {
  organizationId: string;
  provider: string;
  type: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  estimatedCostUsd: number;
}

export interface AiOutcome {
  provider: AiProviderName;
  model: string;
  output: string;
  usage: TokenUsage | null;
  costUsd: number;
  latencyMs: number;
}

const keyParams = (k: AiResultKey) => [k.organizationId, k.entityType, k.entityId, k.type, k.targetLanguage ?? ''];

/** ai_results (latest outcome per entity and job type) and the ai_usage ledger. Text is stored, never logged. */
@Injectable()
export class AiResultsService {
  constructor(private readonly db: DatabaseService) {}

  /** The job now owns the row; the previous outcome is cleared. */
  async markPending(key: AiResultKey, jobId: string, attempts: number): Promise<void> {
    await this.db.query(
      `INSERT INTO ai_results (organization_id, entity_type, entity_id, job_type, target_language, status, job_id, attempts)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)
       ON CONFLICT (organization_id, entity_type, entity_id, job_type, target_language) DO UPDATE SET
         status = 'pending', job_id = EXCLUDED.job_id, attempts = EXCLUDED.attempts, output = NULL, provider = NULL,
         model = NULL, input_tokens = NULL, output_tokens = NULL, estimated_cost_usd = NULL, latency_ms = NULL,
         reason = NULL, updated_at = now()`,
      [...keyParams(key), jobId, attempts],
    );
  }

  /**
   * Shows each entity's result as pending as soon as its job is staged or enqueued (with `client`,
   * in the caller's transaction), in one statement. A row its job already touched (it may have
   * finished before this runs) is left alone.
   */
  async markQueued(rows: { key: AiResultKey; jobId: string }[], client?: PoolClient): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const values = rows.map(({ key, jobId }) => {
      params.push(...keyParams(key), jobId);
      const n = params.length;
      return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, 'pending', $${n}, 0)`;
    });
    await (client ?? this.db.pool).query(
      `INSERT INTO ai_results (organization_id, entity_type, entity_id, job_type, target_language, status, job_id, attempts)
       VALUES ${values.join(', ')}
       ON CONFLICT (organization_id, entity_type, entity_id, job_type, target_language) DO UPDATE SET
         status = 'pending', job_id = EXCLUDED.job_id, attempts = 0, output = NULL, provider = NULL, model = NULL,
         input_tokens = NULL, output_tokens = NULL, estimated_cost_usd = NULL, latency_ms = NULL, reason = NULL, updated_at = now()
       WHERE ai_results.job_id IS DISTINCT FROM EXCLUDED.job_id`,
      params,
    );
  }

  /** Counts attempts on a row the job already owns, keeping its status. */
  async markAttempt(key: AiResultKey, jobId: string, attempts: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ai_results SET attempts = $7, updated_at = now()
       WHERE organization_id = $1 AND entity_type = $2 AND entity_id = $3 AND job_type = $4 AND target_language = $5
         AND job_id = $6 AND status = 'pending'
       RETURNING id`,
      [...keyParams(key), jobId, attempts],
    );
    return rows.length > 0;
  }

  async markReady(key: AiResultKey, jobId: string, attempts: number, o: AiOutcome): Promise<void> {
    await this.finish(key, jobId, attempts, 'ready', {
      output: o.output,
      provider: o.provider,
      model: o.model,
      inputTokens: o.usage?.inputTokens ?? null,
      outputTokens: o.usage?.outputTokens ?? null,
      costUsd: o.costUsd,
      latencyMs: o.latencyMs,
      reason: null,
    });
  }

  async markUnavailable(key: AiResultKey, jobId: string, attempts: number, reason: string): Promise<void> {
    await this.finish(key, jobId, attempts, 'unavailable', {
      output: null,
      provider: null,
      model: null,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
      latencyMs: null,
      reason: reason.slice(0, 2000),
    });
  }

  async recordCall(key: AiResultKey, jobId: string, call: CallRecord, costUsd: number): Promise<void> {
    await this.db.query(
      `INSERT INTO ai_usage (organization_id, entity_type, entity_id, job_type, provider, model, outcome, input_tokens, output_tokens, estimated_cost_usd, latency_ms, job_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        key.organizationId,
        key.entityType,
        key.entityId,
        key.type,
        call.provider,
        call.model,
        call.outcome,
        call.usage?.inputTokens ?? 0,
        call.usage?.outputTokens ?? 0,
        costUsd,
        call.latencyMs,
        jobId,
      ],
    );
  }

  /** One tenant's results for one entity; another tenant's rows are never read. */
  async list(organizationId: string, entityType: string, entityId: string): Promise<AiResultItem[]> {
    const rows = await this.db.query<{
      job_type: AiJobType;
      target_language: string;
      status: AiResultStatus;
      output: string | null;
      provider: AiProviderName | null;
      model: string | null;
      reason: string | null;
      updated_at: Date;
    }>(
      `SELECT job_type, target_language, status, output, provider, model, reason, updated_at FROM ai_results
       WHERE organization_id = $1 AND entity_type = $2 AND entity_id = $3
       ORDER BY job_type, target_language`,
      [organizationId, entityType, entityId],
    );
    return rows.map((r) => ({
      type: r.job_type,
      ...(r.target_language ? { targetLanguage: r.target_language } : {}),
      status: r.status,
      output: r.output,
      provider: r.provider,
      model: r.model,
      reason: r.reason,
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  /** Sums of the usage ledger per organization, provider and job type, in [from, to). */
  async usage(filter: { organizationId?: string; from?: Date; to?: Date }): Promise<AiUsageRow[]> {
    const rows = await this.db.query<{
      organization_id: string;
      provider: string;
      job_type: string;
      calls: string;
      input_tokens: string;
      output_tokens: string;
      cost: string;
    }>(
      `SELECT organization_id, provider, job_type, count(*) AS calls, sum(input_tokens) AS input_tokens,
              sum(output_tokens) AS output_tokens, sum(estimated_cost_usd) AS cost
       FROM ai_usage
       WHERE ($1::text IS NULL OR organization_id = $1)
         AND ($2::timestamptz IS NULL OR created_at >= $2)
         AND ($3::timestamptz IS NULL OR created_at < $3)
       GROUP BY organization_id, provider, job_type
       ORDER BY organization_id, provider, job_type`,
      [filter.organizationId ?? null, filter.from ?? null, filter.to ?? null],
    );
    return rows.map((r) => ({
      organizationId: r.organization_id,
      provider: r.provider,
      type: r.job_type,
      calls: Number(r.calls),
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      estimatedCostUsd: Number(r.cost),
    }));
  }

  private async finish(
    key: AiResultKey,
    jobId: string,
    attempts: number,
    status: Exclude<AiResultStatus, 'pending'>,
    v: {
      output: string | null;
      provider: string | null;
      model: string | null;
      inputTokens: number | null;
      outputTokens: number | null;
      costUsd: number | null;
      latencyMs: number | null;
      reason: string | null;
    },
  ): Promise<void> {
    // A row owned by a newer job stays as it is.
    await this.db.query(
      `INSERT INTO ai_results (organization_id, entity_type, entity_id, job_type, target_language, job_id, attempts, status,
                               output, provider, model, input_tokens, output_tokens, estimated_cost_usd, latency_ms, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (organization_id, entity_type, entity_id, job_type, target_language) DO UPDATE SET
         attempts = EXCLUDED.attempts, status = EXCLUDED.status, output = EXCLUDED.output, provider = EXCLUDED.provider,
         model = EXCLUDED.model, input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
         estimated_cost_usd = EXCLUDED.estimated_cost_usd, latency_ms = EXCLUDED.latency_ms, reason = EXCLUDED.reason,
         job_id = EXCLUDED.job_id, updated_at = now()
       WHERE ai_results.job_id IS NULL OR ai_results.job_id = EXCLUDED.job_id`,
      [
        ...keyParams(key),
        jobId,
        attempts,
        status,
        v.output,
        v.provider,
        v.model,
        v.inputTokens,
        v.outputTokens,
        v.costUsd,
        v.latencyMs,
        v.reason,
      ],
    );
  }
}
