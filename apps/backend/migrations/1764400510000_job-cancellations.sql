-- Up Migration

-- Every cancellation a tenant asked for (DELETE /api/v1/jobs/:queue/:id), for the admin console.
CREATE TABLE job_cancellations (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  organization_id text NOT NULL,
  queue text NOT NULL,
  job_id text NOT NULL,
  job_name text NOT NULL,
  -- The state the job was in when asked: waiting/delayed/prioritized jobs are removed, active ones aborted.
  state text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('removed', 'abort-requested')),
  requested_by text,
  correlation_id text
);

CREATE INDEX job_cancellations_organization_at_idx ON job_cancellations (organization_id, at DESC);
CREATE INDEX job_cancellations_at_idx ON job_cancellations (at);

-- Down Migration
DROP TABLE job_cancellations;
