-- Up Migration

-- A tenant's share of each queue within a priority tier (docs/fairness.md): weight 3 gets three
-- times the jobs of weight 1 while both have work waiting. Tenants without a row weigh 1. The
-- limits, when set, replace FAIRNESS_MAX_PENDING and FAIRNESS_AI_CALLS_PER_MINUTE for the tenant
-- (a plan's quota); NULL keeps the configured ones.
CREATE TABLE tenant_fairness (
  organization_id     text PRIMARY KEY,
  weight              integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100),
  max_pending         integer CHECK (max_pending >= 0),
  ai_calls_per_minute integer CHECK (ai_calls_per_minute >= 0),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  updated_by      text
);

-- Down Migration

DROP TABLE tenant_fairness;
