-- Up Migration

-- One row per export run; the file itself is in the report store under the row's id.
CREATE TABLE reports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id text NOT NULL,
  -- The reports-queue job that wrote it (a retried job writes a new row).
  job_id text NOT NULL,
  format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  filter jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL CHECK (status IN ('running', 'ready', 'failed', 'cancelled')),
  rows integer NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  expires_at timestamptz NOT NULL
);

-- The console lists a tenant's recent reports; the expiry sweep reads by expiry.
CREATE INDEX reports_organization_created_idx ON reports (organization_id, created_at DESC);
CREATE INDEX reports_expires_idx ON reports (expires_at);

-- Case exports page through an organization's cases newest first by (created_at, id) keyset,
-- which needs both columns in one direction (the older index has created_at DESC, id ASC). Scanned
-- backwards it also serves the case list's ORDER BY created_at DESC, id DESC.
CREATE INDEX cases_organization_created_at_id_idx ON cases (organization_id, created_at, id);

-- Down Migration
DROP INDEX cases_organization_created_at_id_idx;
DROP TABLE reports;
