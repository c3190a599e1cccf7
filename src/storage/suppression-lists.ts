import type { Pool } from 'pg';

/** One number on one suppression (do-not-call) list. */
export interface Suppression {
  list: string;
  /** E.164. */
  phone: string;
  /** ISO time after which the entry no longer suppresses; absent: until removed. */
  expiresAt?: string;
  note?: string;
  addedAt?: string;
}

export const DEFAULT_SUPPRESSION_LIST = 'default';

/**
 * Suppression lists, shared by every campaign of the deployment (docs/compliance.md): checked
 * when a dial list is staged and again just before each send.
 */
export interface SuppressionLists {
  /** Adds numbers (or renews them: a number added again takes the new expiry and note); answers how many rows were written. */
  addSuppressions(entries: readonly Omit<Suppression, 'addedAt'>[]): Promise<number>;
  /** Removes numbers from a list; answers how many were on it. */
  removeSuppressions(list: string, phones: readonly string[]): Promise<number>;
  /** Up to `max` entries of one list (or every list), by list and number, after `after`. */
  suppressions(options: { list?: string; after?: { list: string; phone: string }; max: number }): Promise<Suppression[]>;
  /** Of these E.164 numbers, those on a list at `at` (unexpired), each with the first such list by name. */
  suppressedAmong(phones: readonly string[], at: number): Promise<Map<string, string>>;
}

export function createSuppressionLists(pool: Pool): SuppressionLists {
  return {
    async addSuppressions(entries) {
      if (entries.length === 0) return 0;
      const unique = [...new Map(entries.map((e) => [`${e.list}\u0000${e.phone}`, e])).values()];
      const written = await pool.query(
        `INSERT INTO suppressions (list, phone, expires_at, note)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
         ON CONFLICT (list, phone) DO UPDATE SET expires_at = EXCLUDED.expires_at, note = EXCLUDED.note, added_at = now()`,
        [unique.map((e) => e.list), unique.map((e) => e.phone), unique.map((e) => e.expiresAt ?? null), unique.map((e) => e.note ?? null)],
      );
      return written.rowCount ?? 0;
    },

    async removeSuppressions(list, phones) {
      if (phones.length === 0) return 0;
      const removed = await pool.query('DELETE FROM suppressions WHERE list = $1 AND phone = ANY($2::text[])', [list, [...phones]]);
      return removed.rowCount ?? 0;
    },

    async suppressions({ list, after, max }) {
      const found = await pool.query<{ list: string; phone: string; expires_at: Date | null; note: string | null; added_at: Date }>(
        `SELECT list, phone, expires_at, note, added_at FROM suppressions
         WHERE ($1::text IS NULL OR list = $1) AND ($2::text IS NULL OR (list, phone) > ($2, $3))
         ORDER BY list, phone LIMIT $4`,
        [list ?? null, after?.list ?? null, after?.phone ?? null, max],
      );
      return found.rows.map((r) => ({
        list: r.list,
        phone: r.phone,
        ...(r.expires_at ? { expiresAt: r.expires_at.toISOString() } : {}),
        ...(r.note !== null ? { note: r.note } : {}),
        addedAt: r.added_at.toISOString(),
      }));
    },

    async suppressedAmong(phones, at) {
      if (phones.length === 0) return new Map();
      const found = await pool.query<{ phone: string; list: string }>(
        `SELECT DISTINCT ON (phone) phone, list FROM suppressions
         WHERE phone = ANY($1::text[]) AND (expires_at IS NULL OR expires_at > to_timestamp($2 / 1000.0))
         ORDER BY phone, list`,
        [[...new Set(phones)], at],
      );
      return new Map(found.rows.map((r) => [r.phone, r.list]));
    },
  };
}
