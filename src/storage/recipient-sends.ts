import type { Pool } from 'pg';
import { DAY_MS, type FrequencyCap } from '../domain/frequency-cap';

/** One send of one entry to one number (E.164). */
export interface RecipientSend {
  index: number;
  send: number;
  phone: string;
}

/**
 * The deployment's record of calls by number, for frequency caps (docs/compliance.md): a
 * send answered with a contact counts against its number in every campaign.
 */
export interface RecipientSends {
  /**
   * Reserves these sends under `cap` at `at` (ms), in order: answers, for each send that may
   * not go out, the time it may (ms). A send reserved before (a retried activity) stays reserved.
   */
  reserveSends(campaignKey: string, sends: readonly RecipientSend[], cap: FrequencyCap, at: number): Promise<Map<number, number>>;
  /** Records sends Connect answered with a contact (idempotent; a reserved one keeps its time). */
  recordSends(campaignKey: string, sends: readonly RecipientSend[], at: number): Promise<void>;
  /** Forgets sends Connect failed: they were reserved but no call was made. */
  releaseSends(campaignKey: string, sends: readonly Omit<RecipientSend, 'phone'>[]): Promise<void>;
  /** Of these numbers, those with at least `cap.maxCallsPerNumber` calls in the `cap.days` before `at`. */
  overCapAmong(phones: readonly string[], cap: FrequencyCap, at: number): Promise<Set<string>>;
}

export function createRecipientSends(pool: Pool): RecipientSends {
  return {
    async reserveSends(campaignKey, sends, cap, at) {
      if (sends.length === 0) return new Map();
      const found = await pool.query<{ o_idx: number; o_allowed_at: Date | null }>(
        `SELECT o_idx, o_allowed_at FROM reserve_recipient_sends($1, $2::int[], $3::int[], $4::text[], to_timestamp($5 / 1000.0), make_interval(days => $6), $7)`,
        [campaignKey, sends.map((s) => s.index), sends.map((s) => s.send), sends.map((s) => s.phone), at, cap.days, cap.maxCallsPerNumber],
      );
      return new Map(found.rows.filter((r) => r.o_allowed_at !== null).map((r) => [r.o_idx, (r.o_allowed_at as Date).getTime()]));
    },

    async recordSends(campaignKey, sends, at) {
      if (sends.length === 0) return;
      await pool.query(
        `INSERT INTO recipient_sends (campaign_key, idx, send, phone, sent_at)
         SELECT $1, t.idx, t.send, t.phone, to_timestamp($5 / 1000.0) FROM unnest($2::int[], $3::int[], $4::text[]) AS t(idx, send, phone)
         ON CONFLICT (campaign_key, idx, send) DO NOTHING`,
        [campaignKey, sends.map((s) => s.index), sends.map((s) => s.send), sends.map((s) => s.phone), at],
      );
    },

    async releaseSends(campaignKey, sends) {
      if (sends.length === 0) return;
      await pool.query(
        `DELETE FROM recipient_sends r USING unnest($2::int[], $3::int[]) AS t(idx, send)
         WHERE r.campaign_key = $1 AND r.idx = t.idx AND r.send = t.send`,
        [campaignKey, sends.map((s) => s.index), sends.map((s) => s.send)],
      );
    },

    async overCapAmong(phones, cap, at) {
      if (phones.length === 0) return new Set();
      const found = await pool.query<{ phone: string }>(
        `SELECT phone FROM recipient_sends WHERE phone = ANY($1::text[]) AND sent_at > to_timestamp($2 / 1000.0)
         GROUP BY phone HAVING count(*) >= $3`,
        [[...new Set(phones)], at - cap.days * DAY_MS, cap.maxCallsPerNumber],
      );
      return new Set(found.rows.map((r) => r.phone));
    },
  };
}
