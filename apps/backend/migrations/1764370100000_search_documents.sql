-- Up Migration

-- One row per indexed entity. A deleted entity keeps its row as a tombstone (deleted_at set, text
-- emptied) carrying the version of the delete, so a late upsert of an older version cannot bring it back.
CREATE TABLE search_documents (
  organization_id text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  version integer NOT NULL,
  title text NOT NULL DEFAULT '',
  body text NOT NULL DEFAULT '',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Title ranks above body. The two-argument to_tsvector is immutable, as a generated column needs.
  tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
  ) STORED,
  deleted_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT search_documents_entity_key UNIQUE (organization_id, entity_type, entity_id)
);

-- Searches never look at tombstones.
CREATE INDEX search_documents_tsv_idx ON search_documents USING gin (tsv) WHERE deleted_at IS NULL;

-- Down Migration
DROP TABLE search_documents;
