-- Up Migration

-- Operators' changes to a tenant's fairness settings (weight, pending cap, AI quota) join the one
-- append-only audit trail: entry_id is the organization, `detail` the settings written.
ALTER TABLE dead_letter_audit DROP CONSTRAINT dead_letter_audit_action_check;
ALTER TABLE dead_letter_audit ADD CONSTRAINT dead_letter_audit_action_check
  CHECK (action IN ('replay', 'edit-and-replay', 'dismiss', 'reveal', 'fairness-set', 'fairness-reset') OR action ~ '^board-[a-z-]{1,40}$');

-- Down Migration

ALTER TABLE dead_letter_audit DROP CONSTRAINT dead_letter_audit_action_check;
ALTER TABLE dead_letter_audit ADD CONSTRAINT dead_letter_audit_action_check
  CHECK (action IN ('replay', 'edit-and-replay', 'dismiss', 'reveal') OR action ~ '^board-[a-z-]{1,40}$');
