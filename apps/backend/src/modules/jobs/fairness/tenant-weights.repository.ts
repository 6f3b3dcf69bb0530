import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

export interface TenantWeight {
  organizationId: string;
  weight: number;
  updatedAt: string;
  updatedBy: string | null;
}

interface Row {
  organization_id: string;
  weight: number;
  updated_at: Date;
  updated_by: string | null;
}

const view = (r: Row): TenantWeight => ({
  organizationId: r.organization_id,
  weight: r.weight,
  updatedAt: r.updated_at.toISOString(),
  updatedBy: r.updated_by,
});

/** Tenants' fairness weights (table tenant_fairness); a tenant without a row weighs 1. */
@Injectable()
export class TenantWeightsRepository {
  constructor(private readonly db: DatabaseService) {}

  async all(): Promise<TenantWeight[]> {
    return (await this.db.query<Row>(`SELECT * FROM tenant_fairness ORDER BY organization_id`)).map(view);
  }

  async set(organizationId: string, weight: number, by: string): Promise<TenantWeight> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO tenant_fairness (organization_id, weight, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (organization_id) DO UPDATE SET weight = $2, updated_by = $3, updated_at = now()
       RETURNING *`,
      [organizationId, weight, by],
    );
    return view(row);
  }

  /** Back to the default weight; false if the tenant had none set. */
  async reset(organizationId: string): Promise<boolean> {
    return (await this.db.query(`DELETE FROM tenant_fairness WHERE organization_id = $1 RETURNING 1`, [organizationId])).length > 0;
  }
}
