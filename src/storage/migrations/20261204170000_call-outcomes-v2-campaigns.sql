-- Up Migration
-- The Outbound Campaigns v2 campaigns this deployment's campaigns send to (docs/call-outcomes.md,
-- "How a v2 call finds its entry"). A contact event names its v2 campaign; the contact-event
-- consumer reads a contact's attributes (GetContactAttributes) only when its campaign is one of
-- these, so another dialer's contacts and BatchPutContact contacts cost no Connect call. The
-- PutOutboundRequestBatch activity notes its campaign before its first call.
CREATE TABLE outbound_campaigns_v2 (
  connect_campaign_id text PRIMARY KEY,
  noted_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE outbound_campaigns_v2;
