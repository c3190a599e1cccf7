import type { Pool } from 'pg';

/** What one purge removed from one campaign. */
export interface PurgedCampaign {
  campaignKey: string;
  /** Staged entries deleted: their numbers and attributes. */
  entries: number;
  /** Deflections whose SMS text and attributes were cleared. */
  deflections: number;
}

/** A campaign whose contact data is still kept, and the last time the store heard of it (ms). */
export interface KeptCampaign {
  campaignKey: string;
  lastActiveAt: number;
}

/**
 * Retention (docs/compliance.md): removes the contact data of a campaign — staged entries
 * (numbers, attributes), SMS texts, waiting entries, its calls in the record of calls by
 * number, Connect's per-send messages, and numbers in outcome messages — and keeps its ids,
 * outcomes, contact ids and counts, so its report still lists every row. Suppression lists
 * are the deployment's, not a campaign's: kept. Whether a campaign has ended is for the
 * caller to tell (Temporal knows); the store only keeps what it is told.
 */
export interface ContactDataRetention {
  /** Up to `max` campaigns not yet purged that the store last heard of before `before` (ms), the oldest first. */
  campaignsKeptBefore(before: number, max: number): Promise<KeptCampaign[]>;
  /** Purges one campaign; undefined when the store has no such campaign. A second purge removes nothing more. */
  purgeContactData(campaignKey: string): Promise<PurgedCampaign | undefined>;
  /** When the campaign was purged (ms), or undefined. */
  purgedAt(campaignKey: string): Promise<number | undefined>;
}

/** An E.164 number inside a message (a leading + and at least 7 digits, perhaps spaced). */
const NUMBER_IN_TEXT = '\\+[0-9][0-9 ().-]{5,}[0-9]';

export function createContactDataRetention(pool: Pool): ContactDataRetention {
  return {
    async campaignsKeptBefore(before, max) {
      const found = await pool.query<{ campaign_key: string; last_active: Date }>(
        `SELECT campaign_key, last_active FROM (
           SELECT c.campaign_key, greatest(c.staged_at,
                    (SELECT max(recorded_at) FROM outcomes o WHERE o.campaign_key = c.campaign_key),
                    (SELECT max(sent_at) FROM attempts a WHERE a.campaign_key = c.campaign_key)) AS last_active
           FROM campaigns c WHERE c.purged_at IS NULL) kept
         WHERE last_active < to_timestamp($1 / 1000.0) ORDER BY last_active LIMIT $2`,
        [before, max],
      );
      return found.rows.map((r) => ({ campaignKey: r.campaign_key, lastActiveAt: r.last_active.getTime() }));
    },

    async purgeContactData(campaignKey) {
      const found = await pool.query<{ campaigns: number; entries: number; deflections: number }>(
        `WITH campaign AS (UPDATE campaigns SET purged_at = coalesce(purged_at, now()) WHERE campaign_key = $1 RETURNING 1),
         entries AS (DELETE FROM staged_entries WHERE campaign_key = $1 RETURNING 1),
         waiting AS (DELETE FROM waiting_entries WHERE campaign_key = $1 RETURNING 1),
         calls AS (DELETE FROM recipient_sends WHERE campaign_key = $1 RETURNING 1),
         texts AS (UPDATE deflections SET message = NULL, attributes = NULL WHERE campaign_key = $1 AND (message IS NOT NULL OR attributes IS NOT NULL) RETURNING 1),
         said AS (UPDATE attempts SET message = NULL WHERE campaign_key = $1 AND message IS NOT NULL RETURNING 1),
         outcome_texts AS (
           UPDATE outcomes SET message = regexp_replace(message, $2, '[number removed]', 'g') WHERE campaign_key = $1 AND message ~ $2 RETURNING 1
         )
         SELECT (SELECT count(*)::int FROM campaign) AS campaigns, (SELECT count(*)::int FROM entries) AS entries, (SELECT count(*)::int FROM texts) AS deflections,
                (SELECT count(*)::int FROM waiting) + (SELECT count(*)::int FROM calls) + (SELECT count(*)::int FROM said) + (SELECT count(*)::int FROM outcome_texts) AS others`,
        [campaignKey, NUMBER_IN_TEXT],
      );
      const row = found.rows[0];
      if (!row || row.campaigns === 0) return undefined;
      return { campaignKey, entries: row.entries, deflections: row.deflections };
    },

    async purgedAt(campaignKey) {
      const found = await pool.query<{ purged_at: Date | null }>('SELECT purged_at FROM campaigns WHERE campaign_key = $1', [campaignKey]);
      return found.rows[0]?.purged_at?.getTime() ?? undefined;
    },
  };
}
