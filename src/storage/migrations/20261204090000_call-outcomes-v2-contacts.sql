-- Up Migration
-- Call outcomes for Outbound Campaigns v2 (docs/call-outcomes.md, "How a v2 call finds its
-- entry"). A v2 attempt's contact_id is the dial request's id, which no contact event carries.
-- `request_token` is the request's clientToken, which the contact Connect places for it carries
-- in its ConnectDialerRequest attribute; the contact-event consumer reads that attribute
-- (GetContactAttributes) and links the contact here, `call_contact_id` on `call_instance_id`, so
-- later events and DescribeContact find the call by its ContactId.
ALTER TABLE attempts ADD COLUMN request_token text;
ALTER TABLE attempts ADD COLUMN call_contact_id text;
ALTER TABLE attempts ADD COLUMN call_instance_id text;
CREATE INDEX attempts_by_request_token ON attempts (request_token) WHERE request_token IS NOT NULL;
CREATE INDEX attempts_by_call_contact_id ON attempts (call_contact_id) WHERE call_contact_id IS NOT NULL;

-- Down Migration
DROP INDEX attempts_by_call_contact_id;
DROP INDEX attempts_by_request_token;
ALTER TABLE attempts DROP COLUMN call_instance_id;
ALTER TABLE attempts DROP COLUMN call_contact_id;
ALTER TABLE attempts DROP COLUMN request_token;
