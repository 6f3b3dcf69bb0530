-- Up Migration

-- The tenants the platform knows. Until tenants are managed elsewhere, a tenant is registered by its
-- first case; deleting its row deletes its schedules, and the next reconcile removes their schedulers.
CREATE TABLE tenants (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id) SELECT organization_id FROM case_number_counters ON CONFLICT DO NOTHING;

-- Each tenant's recurring jobs: the source of truth the BullMQ job schedulers are reconciled from.
-- sla-check runs every interval_minutes; daily-reminder at hour:00 in timezone. Rows with the
-- defaults are added for every tenant by the reconciler.
CREATE TABLE tenant_schedules (
  organization_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  type             text NOT NULL CHECK (type IN ('sla-check', 'daily-reminder')),
  interval_minutes integer CHECK (interval_minutes BETWEEN 5 AND 60),
  hour             integer CHECK (hour BETWEEN 6 AND 20),
  timezone         text NOT NULL,
  enabled          boolean NOT NULL DEFAULT true,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  updated_by       text,
  last_run_at      timestamptz,
  last_status      text CHECK (last_status IN ('completed', 'failed')),
  last_result      jsonb,
  PRIMARY KEY (organization_id, type),
  CHECK ((type = 'sla-check') = (interval_minutes IS NOT NULL)),
  CHECK ((type = 'daily-reminder') = (hour IS NOT NULL))
);

-- Down Migration
DROP TABLE tenant_schedules;
DROP TABLE tenants;
