-- Up Migration

-- The triggers of 1764390000000 refuse UPDATE, DELETE and TRUNCATE, but the table's owner (the
-- application's role, where one role migrates and runs the app) could switch them off, drop them,
-- replace their function or drop the table. Two layers close that:
--  1. privileges: PUBLIC gets nothing beyond what is granted explicitly; a separate application role
--     gets SELECT and INSERT only (docs/operations.md, "Database roles").
--  2. an event trigger that refuses any DDL on the audit table, its triggers or their function,
--     unless the session holds the migration lock (src/modules/database/migrate.ts, key 7314142001),
--     as migrations do and the app's own queries never do: later migrations may still change the
--     table. Creating one needs a superuser, so it is created only when the migrating role is one
--     (embedded and development databases); otherwise layer 1, with separate roles, is the guard.

REVOKE ALL ON dead_letter_audit FROM PUBLIC;
REVOKE ALL ON SEQUENCE dead_letter_audit_id_seq FROM PUBLIC;

CREATE FUNCTION dead_letter_audit_refuse_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  audit_oid oid := (SELECT tgrelid FROM pg_trigger WHERE tgname = 'dead_letter_audit_no_truncate' LIMIT 1);
  hit boolean := false;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_locks
              WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND classid = (7314142001 >> 32)::oid AND objid = (7314142001 & 4294967295)::oid AND objsubid = 1) THEN
    RETURN; -- a migration
  END IF;
  IF TG_EVENT = 'sql_drop' THEN
    SELECT bool_or(object_identity LIKE '%dead_letter_audit%') INTO hit FROM pg_event_trigger_dropped_objects();
  ELSE
    -- By oid too: after ALTER TABLE ... RENAME the identity no longer names the table.
    SELECT bool_or(object_identity LIKE '%dead_letter_audit%' OR (classid = 'pg_class'::regclass AND objid = audit_oid))
      INTO hit FROM pg_event_trigger_ddl_commands();
  END IF;
  IF coalesce(hit, false) THEN
    RAISE EXCEPTION 'dead_letter_audit is append-only: % refused', TG_TAG
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END;
$$;

DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    CREATE EVENT TRIGGER dead_letter_audit_guard_ddl ON ddl_command_end
      EXECUTE FUNCTION dead_letter_audit_refuse_ddl();
    CREATE EVENT TRIGGER dead_letter_audit_guard_drop ON sql_drop
      EXECUTE FUNCTION dead_letter_audit_refuse_ddl();
  END IF;
END;
$$;

-- Down Migration

DROP EVENT TRIGGER IF EXISTS dead_letter_audit_guard_drop;
DROP EVENT TRIGGER IF EXISTS dead_letter_audit_guard_ddl;
DROP FUNCTION dead_letter_audit_refuse_ddl();
GRANT ALL ON dead_letter_audit TO PUBLIC;
