-- Up Migration

-- A tenant's share of each queue within a priority tier (docs/fairness.md): weight 3 gets three
-- times the jobs of weight 1 while both have work waiting. Tenants without a row weigh 1.
CREATE TABLE tenant_fairness (
  organization_id text PRIMARY KEY,
  weight          integer NOT NULL CHECK (weight BETWEEN 1 AND 100),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  updated_by      text
);

-- Down Migration

DROP TABLE tenant_fairness;
