-- Up Migration

-- Case numbers count per organization, so a number reveals nothing about other tenants' volume.
CREATE TABLE case_number_counters (
  organization_id text PRIMARY KEY,
  last_number integer NOT NULL
);

CREATE TABLE cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id text NOT NULL,
  number integer NOT NULL,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  description text NOT NULL DEFAULT '',
  category text,
  priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'critical')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
  assignee_email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, number)
);

-- Every read is scoped to one organization; the list is newest first.
CREATE INDEX cases_organization_created_idx ON cases (organization_id, created_at DESC, id);
-- Reindexing pages through one organization's cases by id.
CREATE INDEX cases_organization_id_idx ON cases (organization_id, id);

-- Down Migration
DROP TABLE cases;
DROP TABLE case_number_counters;
