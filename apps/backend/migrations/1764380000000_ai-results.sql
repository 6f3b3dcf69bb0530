-- Up Migration

-- The latest AI outcome per entity and job type (and target language, for translations).
CREATE TABLE ai_results (
  id bigserial PRIMARY KEY,
  organization_id text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  job_type text NOT NULL CHECK (job_type IN ('generate-summary', 'translate', 'categorize', 'note-cleanup')),
  target_language text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('pending', 'ready', 'unavailable')),
  output text,
  provider text,
  model text,
  input_tokens integer,
  output_tokens integer,
  estimated_cost_usd numeric(14, 6),
  latency_ms integer,
  attempts integer NOT NULL DEFAULT 0,
  reason text,
  -- The job that owns the row: a stale job finishing late cannot overwrite a newer one's outcome.
  job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, entity_type, entity_id, job_type, target_language)
);

-- Every provider call that answered, kept for usage and cost reporting (results are overwritten, calls are not).
CREATE TABLE ai_usage (
  id bigserial PRIMARY KEY,
  organization_id text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  job_type text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  outcome text NOT NULL,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  estimated_cost_usd numeric(14, 6) NOT NULL DEFAULT 0,
  latency_ms integer NOT NULL,
  job_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_usage_created_idx ON ai_usage (created_at, organization_id);

-- An organization's own categories; one without rows uses the built-in default set.
CREATE TABLE organization_categories (
  organization_id text NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  keywords text[] NOT NULL DEFAULT '{}',
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (organization_id, name)
);

-- Down Migration
DROP TABLE organization_categories;
DROP TABLE ai_usage;
DROP TABLE ai_results;
