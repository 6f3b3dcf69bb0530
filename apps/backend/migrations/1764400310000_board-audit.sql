-- Up Migration

-- Bull Board actions join the console's in the one append-only audit trail: operators' writes
-- (retry, clean, promote, remove, edit data, pause, ...), viewers' refused writes and operators'
-- payload reads. A board row names the HTTP request in `detail`; a queue-wide action has no single
-- job, so entry_id is '*' and no payload hash applies.
ALTER TABLE dead_letter_audit DROP CONSTRAINT dead_letter_audit_action_check;
ALTER TABLE dead_letter_audit ADD CONSTRAINT dead_letter_audit_action_check
  CHECK (action IN ('replay', 'edit-and-replay', 'dismiss', 'reveal') OR action ~ '^board-[a-z-]{1,40}$');
ALTER TABLE dead_letter_audit ALTER COLUMN before_hash DROP NOT NULL;
-- done: the action took effect; refused: the role (or a check) refused it, nothing changed.
ALTER TABLE dead_letter_audit ADD COLUMN outcome text NOT NULL DEFAULT 'done' CHECK (outcome IN ('done', 'refused'));
ALTER TABLE dead_letter_audit ADD COLUMN detail text;

-- Down Migration

ALTER TABLE dead_letter_audit DROP COLUMN detail;
ALTER TABLE dead_letter_audit DROP COLUMN outcome;
ALTER TABLE dead_letter_audit DROP CONSTRAINT dead_letter_audit_action_check;
ALTER TABLE dead_letter_audit ADD CONSTRAINT dead_letter_audit_action_check
  CHECK (action IN ('replay', 'edit-and-replay', 'dismiss', 'reveal'));
