-- Up Migration
-- Acting on call outcomes (docs/call-outcomes.md, "Redials and SMS after a voicemail").
-- `acted_at`: when the campaign acted on a decided call (a redial scheduled, an SMS ordered, or
-- nothing to do); each call is acted on once, so a look that is retried or repeated acts on nothing twice.
ALTER TABLE call_results ADD COLUMN acted_at timestamptz;
CREATE INDEX call_results_unacted ON call_results (campaign_key) WHERE disposition IS NOT NULL AND acted_at IS NULL;

-- A redial waits in waiting_entries like an entry outside its calling window; `redial` tells the
-- workflow the entry was already called (its outcome stays CREATED, its next send is a redial).
ALTER TABLE waiting_entries ADD COLUMN redial boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE waiting_entries DROP COLUMN redial;
DROP INDEX call_results_unacted;
ALTER TABLE call_results DROP COLUMN acted_at;
