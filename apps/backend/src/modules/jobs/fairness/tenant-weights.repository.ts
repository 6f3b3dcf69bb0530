import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

export interface TenantWeight {
  organizationId: string;
  weight: number;
  /** Replaces FAIRNESS_MAX_PENDING for this tenant; null: the configured one. */
  maxPending: number | null;
  /** Replaces FAIRNESS_AI_CALLS_PER_MINUTE for this tenant (0: no limit); null: the configured one. */
  aiCallsPerMinute: number | null;
  updatedAt: string;
  updatedBy: string | null;
}

export type TenantFairnessSettings = Pick<TenantWeight, 'weight' | 'maxPending' | 'aiCallsPerMinute'>;

interface Row {
  organization_id: string;
  weight: number;
  max_pending: number | null;
  ai_calls_per_minute: number | null;
  updated_at: Date;
  updated_by: string | null;
}

const view = (r: Row): TenantWeight => ({
  organizationId: r.organization_id,
  weight: r.weight,
  maxPending: r.max_pending,
  aiCallsPerMinute: r.ai_calls_per_minute,
  updatedAt: r.updated_at.toISOString(),
  updatedBy: r.updated_by,
});

/** Tenants' fairness weights and limits (table tenant_fairness); a tenant without a row weighs 1 and has the configured limits. */
@Injectable()
export class TenantWeightsRepository {
  constructor(private readonly db: DatabaseService) {}

  async all(): Promise<TenantWeight[]> {
    return (await this.db.query<Row>(`SELECT * FROM tenant_fairness ORDER BY organization_id`)).map(view);
  }

  async find(organizationId: string): Promise<TenantWeight | null> {
    const [row] = await this.db.query<Row>(`SELECT * FROM tenant_fairness WHERE organization_id = $1`, [organizationId]);
    return row ? view(row) : null;
  }

  async set(organizationId: string, settings: TenantFairnessSettings, by: string): Promise<TenantWeight> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO tenant_fairness (organization_id, weight, max_pending, ai_calls_per_minute, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organization_id) DO UPDATE
         SET weight = $2, max_pending = $3, ai_calls_per_minute = $4, updated_by = $5, updated_at = now()
       RETURNING *`,
      [organizationId, settings.weight, settings.maxPending, settings.aiCallsPerMinute, by],
    );
    return view(row);
  }

  /** Back to the default weight; false if the tenant had none set. */
  async reset(organizationId: string): Promise<boolean> {
    return (await this.db.query(`DELETE FROM tenant_fairness WHERE organization_id = $1 RETURNING 1`, [organizationId])).length > 0;
  }
}
