-- Up Migration
-- Deflections live in the store, not in the workflow's carried state (docs/architecture.md,
-- "Carried-state budget"): one row per deflected entry, with the message and attributes its
-- SMS is sent with. The RequestIdentifier is the dedup key: a repeat inserts nothing.
-- `ready_order` is given by the workflow (1, 2, 3, … per campaign) when the SMS may be sent:
-- the SMS pump reads rows past its carried cursor in that order; NULL while the entry's batch
-- is in flight (the deflection waits for its answer) and for rows imported only to dedup.
CREATE TABLE deflections (
  campaign_key text NOT NULL,
  request_identifier text NOT NULL,
  idx integer NOT NULL,
  ready_order integer,
  after_call boolean NOT NULL DEFAULT false,
  message text,
  attributes jsonb,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_key, request_identifier)
);
CREATE UNIQUE INDEX deflections_by_index ON deflections (campaign_key, idx);
CREATE INDEX deflections_by_ready_order ON deflections (campaign_key, ready_order);

-- Down Migration
DROP TABLE deflections;
