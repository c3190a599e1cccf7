-- Up Migration
-- The campaign store (docs/architecture.md, "The campaign store"). Entries are told apart by
-- their index in the dial list: a list may repeat a RequestIdentifier.

-- One row per campaign once it is staged; `staging` (the summary) is written last, so its
-- presence means the whole list is in staged_entries and a retried staging returns it.
CREATE TABLE campaigns (
  campaign_key text PRIMARY KEY,
  staging jsonb NOT NULL,
  staged_at timestamptz NOT NULL DEFAULT now()
);

-- The validated entries that can be sent (REJECTED ones are only outcomes).
CREATE TABLE staged_entries (
  campaign_key text NOT NULL,
  idx integer NOT NULL,
  request_identifier text NOT NULL,
  entry jsonb NOT NULL,
  PRIMARY KEY (campaign_key, idx)
);
CREATE INDEX staged_entries_by_request_identifier ON staged_entries (campaign_key, request_identifier);

-- Exactly one terminal outcome per entry: writers upsert, and a record replaces the stored
-- one only when its precedence is higher (DEFLECTED 4 > CREATED 3 > FAILED 2 > REJECTED 1 > CANCELLED 0).
CREATE TABLE outcomes (
  campaign_key text NOT NULL,
  idx integer NOT NULL,
  request_identifier text NOT NULL,
  outcome text NOT NULL,
  precedence smallint NOT NULL,
  contact_id text,
  related_contact_id text,
  failure_code text,
  field text,
  message text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_key, idx)
);
CREATE INDEX outcomes_by_request_identifier ON outcomes (campaign_key, request_identifier);

-- Every send of every entry and what Connect answered: the attempt history.
CREATE TABLE attempts (
  campaign_key text NOT NULL,
  idx integer NOT NULL,
  send integer NOT NULL,
  api text NOT NULL,
  result text NOT NULL,
  contact_id text,
  message text,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_key, idx, send)
);

-- Down Migration
DROP TABLE attempts;
DROP TABLE outcomes;
DROP TABLE staged_entries;
DROP TABLE campaigns;
