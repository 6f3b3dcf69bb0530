-- Up Migration

-- A due time per case: derived from the priority (created_at + the priority's SLA hours, see
-- CASE_SLA_HOURS in src/modules/cases/case.types.ts) unless set explicitly.
ALTER TABLE cases ADD COLUMN due_at timestamptz;
ALTER TABLE cases ADD COLUMN due_at_explicit boolean NOT NULL DEFAULT false;
UPDATE cases SET due_at = created_at + make_interval(hours => CASE priority
  WHEN 'critical' THEN 4 WHEN 'high' THEN 24 WHEN 'medium' THEN 72 ELSE 168 END);
ALTER TABLE cases ALTER COLUMN due_at SET NOT NULL;

-- The SLA check and the daily reminder read one tenant's open, assigned cases by due time.
CREATE INDEX cases_sla_due_idx ON cases (organization_id, due_at)
  WHERE status IN ('open', 'in_progress') AND assignee_email IS NOT NULL;

-- One row per case, threshold and deadline: the row is inserted before the email is enqueued, and
-- the unique key is what makes a warning go out once, however many runs see the same breach.
-- A new deadline (priority changed, due time set) is a new breach.
CREATE TABLE sla_notifications (
  id              bigserial PRIMARY KEY,
  case_id         uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  organization_id text NOT NULL,
  threshold       text NOT NULL CHECK (threshold IN ('due-soon', 'breached')),
  due_at          timestamptz NOT NULL,
  recipient       text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- Set once the email job is in Redis; a row left without it (a crash in between) is enqueued by the next run.
  enqueued_at     timestamptz,
  email_job_id    text,
  UNIQUE (case_id, threshold, due_at)
);

CREATE INDEX sla_notifications_pending_idx ON sla_notifications (organization_id, id) WHERE enqueued_at IS NULL;

-- Down Migration
DROP TABLE sla_notifications;
DROP INDEX cases_sla_due_idx;
ALTER TABLE cases DROP COLUMN due_at_explicit;
ALTER TABLE cases DROP COLUMN due_at;
