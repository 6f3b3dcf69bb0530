-- Up Migration

-- A case inserted without a due time (bulk imports, SQL written by hand) gets the one its priority
-- gives, as the API does: created_at + the priority's SLA hours (CASE_SLA_HOURS in case.types.ts).
CREATE FUNCTION cases_derive_due_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.due_at IS NULL THEN
    NEW.due_at := COALESCE(NEW.created_at, now()) + make_interval(hours => CASE NEW.priority
      WHEN 'critical' THEN 4 WHEN 'high' THEN 24 WHEN 'medium' THEN 72 ELSE 168 END);
    NEW.due_at_explicit := false;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER cases_derive_due_at BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_derive_due_at();

-- Down Migration
DROP TRIGGER cases_derive_due_at ON cases;
DROP FUNCTION cases_derive_due_at();
