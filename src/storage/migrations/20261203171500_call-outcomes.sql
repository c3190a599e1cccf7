-- Up Migration
-- What happened on each call (docs/call-outcomes.md): one row per send that created a contact,
-- merged from Amazon Connect's contact events and DescribeContact answers. Events come at least
-- once and unordered, so writers merge facts (a flag once true stays true, a status once known
-- stays), and `disposition` is written once: a final disposition is never overwritten.
CREATE TABLE call_results (
  campaign_key text NOT NULL,
  idx integer NOT NULL,
  send integer NOT NULL,
  contact_id text NOT NULL,
  connected boolean NOT NULL DEFAULT false,
  ended boolean NOT NULL DEFAULT false,
  amd_status text,
  disconnect_reason text,
  disposition text,
  -- How the disposition was learnt: EVENT, DESCRIBE_CONTACT or SETTLED (UNKNOWN after the settle time).
  source text,
  first_heard_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  PRIMARY KEY (campaign_key, idx, send)
);
CREATE INDEX call_results_undecided ON call_results (campaign_key) WHERE disposition IS NULL;

-- Contact events name the contact only: this finds its campaign, entry and send.
CREATE INDEX attempts_by_contact_id ON attempts (contact_id) WHERE contact_id IS NOT NULL;

-- Down Migration
DROP INDEX attempts_by_contact_id;
DROP TABLE call_results;
