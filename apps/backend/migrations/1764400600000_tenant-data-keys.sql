-- Up Migration

-- One data key per organization (a new version after a shred), wrapped by a master key from
-- PAYLOAD_KEYS; the unwrapped key exists only in process memory. Destroying a key (crypto-shredding)
-- deletes its wrapped bytes and keeps the row, so the version is never reused.
CREATE TABLE tenant_data_keys (
  organization_id text NOT NULL,
  version         integer NOT NULL CHECK (version > 0),
  master_kid      text NOT NULL,
  -- nonce (12) ‖ GCM tag (16) ‖ the wrapped 32-byte key; NULL once destroyed.
  wrapped_key     bytea,
  created_at      timestamptz NOT NULL DEFAULT now(),
  rewrapped_at    timestamptz,
  destroyed_at    timestamptz,
  PRIMARY KEY (organization_id, version),
  CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);

CREATE INDEX tenant_data_keys_master_kid_idx ON tenant_data_keys (master_kid) WHERE destroyed_at IS NULL;

-- Down Migration

DROP TABLE tenant_data_keys;
