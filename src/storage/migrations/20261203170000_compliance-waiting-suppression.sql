-- Up Migration
-- Calling rules (docs/compliance.md). `waiting_entries`: entries that may not be sent yet,
-- each with the time it may be (`not_before`; NULL while nothing says when, e.g. a zone that
-- cannot be told), kept here rather than in workflow history. A release marks rows with the
-- workflow's release id instead of deleting them, so a retried release answers the same rows.
-- `sends`: the sends the entry had before it waited (its next send number follows them).
CREATE TABLE waiting_entries (
  campaign_key text NOT NULL,
  idx integer NOT NULL,
  sends integer NOT NULL DEFAULT 0,
  not_before timestamptz,
  zone text,
  reason text NOT NULL,
  released_by text,
  PRIMARY KEY (campaign_key, idx)
);
CREATE INDEX waiting_entries_due ON waiting_entries (campaign_key, not_before) WHERE released_by IS NULL;

-- Suppression (do-not-call) lists, shared by every campaign of the deployment: numbers in
-- E.164, by named list (`default` when unnamed), each with an optional expiry.
CREATE TABLE suppressions (
  list text NOT NULL,
  phone text NOT NULL,
  expires_at timestamptz,
  note text,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list, phone)
);
CREATE INDEX suppressions_by_phone ON suppressions (phone);

-- Down Migration
DROP TABLE suppressions;
DROP TABLE waiting_entries;
