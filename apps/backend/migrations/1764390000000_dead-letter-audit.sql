-- Up Migration

-- Every operator action on a dead-letter entry. Rows are only ever added: the triggers below
-- refuse UPDATE, DELETE and TRUNCATE, whoever asks (the application role included).
CREATE TABLE dead_letter_audit (
  id              bigserial PRIMARY KEY,
  at              timestamptz NOT NULL DEFAULT now(),
  actor           text NOT NULL,
  actor_role      text NOT NULL CHECK (actor_role IN ('viewer', 'operator')),
  action          text NOT NULL CHECK (action IN ('replay', 'edit-and-replay', 'dismiss', 'reveal')),
  entry_id        text NOT NULL,
  source_queue    text NOT NULL,
  job_name        text NOT NULL,
  organization_id text,
  -- SHA-256 of the payload (canonical JSON) before the action and of what was replayed.
  before_hash     char(64) NOT NULL,
  after_hash      char(64),
  replay_job_id   text,
  -- Groups the rows of one bulk action.
  bulk_id         uuid,
  -- The HTTP request that did it, to find its log lines.
  correlation_id  text
);

CREATE INDEX dead_letter_audit_entry_idx ON dead_letter_audit (entry_id, at);
CREATE INDEX dead_letter_audit_at_idx ON dead_letter_audit (at);

CREATE FUNCTION dead_letter_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'dead_letter_audit is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER dead_letter_audit_no_update_delete
  BEFORE UPDATE OR DELETE ON dead_letter_audit
  FOR EACH ROW EXECUTE FUNCTION dead_letter_audit_append_only();

CREATE TRIGGER dead_letter_audit_no_truncate
  BEFORE TRUNCATE ON dead_letter_audit
  FOR EACH STATEMENT EXECUTE FUNCTION dead_letter_audit_append_only();

-- Down Migration

DROP TABLE dead_letter_audit;
DROP FUNCTION dead_letter_audit_append_only();
