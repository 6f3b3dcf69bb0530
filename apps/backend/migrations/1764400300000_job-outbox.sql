-- Up Migration

-- Jobs a database write triggers, written in the same transaction as the write: a committed write
-- always has its jobs, whatever happens to Redis or the process afterwards. The relay
-- (modules/jobs/outbox) enqueues pending rows in id order, with their idempotency keys, and marks
-- them sent; a row enqueued twice (a relay dying before its mark) is still one job.
CREATE TABLE job_outbox (
  id              bigserial PRIMARY KEY,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- The Redis namespace (QUEUE_PREFIX) of the process that wrote the row: only a relay of that
  -- namespace sends it, so deployments (or test runs) sharing a database never take each other's jobs.
  queue_prefix    text NOT NULL,
  queue           text NOT NULL,
  job_name        text NOT NULL,
  data            jsonb NOT NULL,
  -- A system idempotency key: the job's id derives from it and the payload's organizationId.
  idempotency_key text NOT NULL,
  priority        text CHECK (priority IN ('high', 'normal', 'low')),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  sent_at         timestamptz,
  sent_job_id     text,
  -- Set when the row can never be enqueued (its payload fails the job's schema); kept for inspection.
  rejected_at     timestamptz
);

-- The relay's scan: only rows still to send, oldest first.
CREATE INDEX job_outbox_pending_idx ON job_outbox (queue_prefix, id) WHERE sent_at IS NULL AND rejected_at IS NULL;
CREATE INDEX job_outbox_sent_at_idx ON job_outbox (queue_prefix, sent_at) WHERE sent_at IS NOT NULL;

-- Down Migration

DROP TABLE job_outbox;
