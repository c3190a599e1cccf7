-- Up Migration
-- Frequency caps (docs/compliance.md): every send of every campaign of the deployment that
-- Connect answered with a contact, by number, so a cap counts calls across campaigns. A send
-- of a capped campaign is reserved here before it goes out (reserve_recipient_sends) and the
-- row is removed when Connect fails the entry; sends of other campaigns are written when
-- answered. Rows are keyed by the send, so a retried activity finds its own row.
CREATE TABLE recipient_sends (
  campaign_key text NOT NULL,
  idx integer NOT NULL,
  send integer NOT NULL,
  phone text NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (campaign_key, idx, send)
);
CREATE INDEX recipient_sends_by_phone ON recipient_sends (phone, sent_at);

-- Reserves sends under a cap of `max_calls` calls in `span`, in the order given: an entry whose
-- number already had `max_calls` calls in the `span` before `at` (this batch's earlier entries
-- included) is not reserved and is answered with the time it may be sent. Numbers are locked
-- (transaction-scoped advisory locks, in sorted order) so two batches of two campaigns cannot
-- both take a number's last call; each count is a new statement, so it sees the other's commit.
CREATE FUNCTION reserve_recipient_sends(p_campaign text, p_idx int[], p_send int[], p_phone text[], p_at timestamptz, p_span interval, p_max int)
RETURNS TABLE (o_idx int, o_allowed_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  i int;
  n int;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('recipient_sends ' || ph, 0))
    FROM (SELECT DISTINCT unnest(p_phone) AS ph ORDER BY 1) numbers;
  FOR i IN 1 .. coalesce(array_length(p_idx, 1), 0) LOOP
    o_idx := p_idx[i];
    o_allowed_at := NULL;
    IF NOT EXISTS (SELECT 1 FROM recipient_sends r WHERE r.campaign_key = p_campaign AND r.idx = p_idx[i] AND r.send = p_send[i]) THEN
      SELECT count(*) INTO n FROM recipient_sends r WHERE r.phone = p_phone[i] AND r.sent_at > p_at - p_span;
      IF n < p_max THEN
        INSERT INTO recipient_sends (campaign_key, idx, send, phone, sent_at) VALUES (p_campaign, p_idx[i], p_send[i], p_phone[i], p_at);
      ELSE
        SELECT r.sent_at + p_span INTO o_allowed_at FROM recipient_sends r
          WHERE r.phone = p_phone[i] AND r.sent_at > p_at - p_span ORDER BY r.sent_at DESC OFFSET p_max - 1 LIMIT 1;
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;

-- Retention (docs/compliance.md): when a campaign's contact data was removed.
ALTER TABLE campaigns ADD COLUMN purged_at timestamptz;

-- Down Migration
ALTER TABLE campaigns DROP COLUMN purged_at;
DROP FUNCTION reserve_recipient_sends(text, int[], int[], text[], timestamptz, interval, int);
DROP TABLE recipient_sends;
