import type { Pool } from 'pg';
import { outcomePrecedence } from '../domain/outcome';
import type { WaitingCounts } from '../domain/waiting';

/**
 * Entries that may not be sent yet, and when they may (docs/compliance.md): a calling window
 * that is closed in the recipient's zone now, later a frequency cap or a redial. They wait
 * here, not in workflow history; the workflow holds their count and sleeps until the earliest
 * `notBefore`, then releases what is due.
 */
export interface WaitingEntry {
  index: number;
  /** Sends the entry had before it waited (its next send is `sends + 1`). */
  sends: number;
  /** When it may be sent (ms); absent while nothing says when (a zone that cannot be told). */
  notBefore?: number;
  /** The recipient's zone, for the counts per zone; absent when it cannot be told. */
  zone?: string;
  /** Why it waits, for people reading the store. */
  reason: string;
  /** A redial (its entry was called before and stays CREATED): kept through later waits for a calling window. */
  redial?: boolean;
}

/** An entry a release took out of the store. */
export interface ReleasedEntry {
  index: number;
  sends: number;
  /** A redial: the entry's outcome is already CREATED. */
  redial: boolean;
}

/** What waits, for the workflow and operators (at most WAITING_ZONES_SHOWN zones by name). */
export type WaitingSummary = WaitingCounts;

export const WAITING_ZONES_SHOWN = 12;
export const UNKNOWN_ZONE = 'unknown';
/** Where entries over their frequency cap are counted among the waiting "zones": they wait for the cap, not for a window. */
export const OVER_CAP_ZONE = 'over-cap';

export interface WaitingEntries {
  /** Adds entries that wait (or moves an entry that waits again to its new time). */
  holdEntries(campaignKey: string, entries: readonly WaitingEntry[]): Promise<void>;
  /**
   * Releases up to `max` entries due at `now`, earliest first, under `releaseId`: the same id
   * again answers the same entries (a retried activity), so none is lost or released twice.
   */
  releaseDue(campaignKey: string, releaseId: string, now: number, max: number): Promise<ReleasedEntry[]>;
  waitingSummary(campaignKey: string): Promise<WaitingSummary>;
  /**
   * Ends every entry still waiting CANCELLED with `message` (the campaign stopped or reached its
   * end): how many entries that covers (the same on a retry; redials not, they stay CREATED), and how many this call recorded.
   */
  cancelWaiting(campaignKey: string, message: string): Promise<{ covered: number; recorded: number }>;
}

export function createWaitingEntries(pool: Pool): WaitingEntries {
  return {
    async holdEntries(campaignKey, entries) {
      if (entries.length === 0) return;
      await pool.query(
        `INSERT INTO waiting_entries (campaign_key, idx, sends, not_before, zone, reason, redial)
         SELECT $1, t.idx, t.sends, to_timestamp(t.not_before / 1000.0), t.zone, t.reason, t.redial
         FROM unnest($2::int[], $3::int[], $4::float8[], $5::text[], $6::text[], $7::boolean[]) AS t(idx, sends, not_before, zone, reason, redial)
         ON CONFLICT (campaign_key, idx) DO UPDATE SET
           sends = EXCLUDED.sends, not_before = EXCLUDED.not_before, zone = EXCLUDED.zone, reason = EXCLUDED.reason, released_by = NULL,
           redial = waiting_entries.redial OR EXCLUDED.redial`,
        [
          campaignKey,
          entries.map((e) => e.index),
          entries.map((e) => e.sends),
          entries.map((e) => e.notBefore ?? null),
          entries.map((e) => e.zone ?? null),
          entries.map((e) => e.reason),
          entries.map((e) => e.redial === true),
        ],
      );
    },

    async releaseDue(campaignKey, releaseId, now, max) {
      const earlier = await pool.query<{ idx: number; sends: number; redial: boolean }>(
        `SELECT idx, sends, redial FROM waiting_entries w WHERE campaign_key = $1 AND released_by = $2
         AND NOT EXISTS (SELECT 1 FROM deflections d WHERE d.campaign_key = $1 AND d.idx = w.idx) ORDER BY idx`,
        [campaignKey, releaseId],
      );
      if (earlier.rows.length > 0) return earlier.rows.map((r) => ({ index: r.idx, sends: r.sends, redial: r.redial }));
      const released = await pool.query<{ idx: number; sends: number; redial: boolean; deflected: boolean }>(
        `UPDATE waiting_entries w SET released_by = $2
         FROM (SELECT idx FROM waiting_entries WHERE campaign_key = $1 AND released_by IS NULL AND not_before <= to_timestamp($3 / 1000.0)
               ORDER BY not_before, idx LIMIT $4 FOR UPDATE) due
         WHERE w.campaign_key = $1 AND w.idx = due.idx
         RETURNING w.idx, w.sends, w.redial, EXISTS (SELECT 1 FROM deflections d WHERE d.campaign_key = $1 AND d.idx = w.idx) AS deflected`,
        [campaignKey, releaseId, now, max],
      );
      // An entry deflected to SMS while it waited is released but not called.
      return released.rows
        .filter((r) => !r.deflected)
        .map((r) => ({ index: r.idx, sends: r.sends, redial: r.redial }))
        .sort((a, b) => a.index - b.index);
    },

    async waitingSummary(campaignKey) {
      const [totals, zones] = await Promise.all([
        pool.query<{ total: number; next: Date | null }>(
          'SELECT count(*)::int AS total, min(not_before) AS next FROM waiting_entries WHERE campaign_key = $1 AND released_by IS NULL',
          [campaignKey],
        ),
        pool.query<{ zone: string; n: number }>(
          `SELECT coalesce(zone, '${UNKNOWN_ZONE}') AS zone, count(*)::int AS n FROM waiting_entries
           WHERE campaign_key = $1 AND released_by IS NULL GROUP BY 1 ORDER BY n DESC, zone LIMIT ${WAITING_ZONES_SHOWN + 1}`,
          [campaignKey],
        ),
      ]);
      const total = totals.rows[0]?.total ?? 0;
      const next = totals.rows[0]?.next;
      const byZone: Record<string, number> = {};
      let shown = 0;
      for (const row of zones.rows.slice(0, WAITING_ZONES_SHOWN)) {
        byZone[row.zone] = row.n;
        shown += row.n;
      }
      if (total > shown) byZone.other = total - shown;
      return { total, ...(next ? { nextDueAt: next.getTime() } : {}), byZone };
    },

    async cancelWaiting(campaignKey, message) {
      const found = await pool.query<{ covered: number; recorded: number }>(
        `WITH ending AS (
           UPDATE waiting_entries SET released_by = 'cancelled' WHERE campaign_key = $1 AND released_by IS NULL RETURNING idx, redial
         ), cancelled AS (
           INSERT INTO outcomes (campaign_key, idx, request_identifier, outcome, precedence, message)
           SELECT $1, s.idx, s.request_identifier, 'CANCELLED', ${outcomePrecedence.CANCELLED}, $2
           FROM staged_entries s JOIN waiting_entries w ON w.campaign_key = s.campaign_key AND w.idx = s.idx
           WHERE s.campaign_key = $1 AND (w.released_by IS NULL OR w.released_by = 'cancelled')
           ON CONFLICT (campaign_key, idx) DO NOTHING
           RETURNING idx
         )
         SELECT (SELECT count(*)::int FROM waiting_entries WHERE campaign_key = $1 AND released_by = 'cancelled' AND NOT redial)
                + (SELECT count(*)::int FROM ending WHERE NOT redial) AS covered,
                (SELECT count(*)::int FROM cancelled) AS recorded`,
        [campaignKey, message],
      );
      return found.rows[0] ?? { covered: 0, recorded: 0 };
    },
  };
}
