import type { Pool } from 'pg';
import type { Disposition } from '../domain/call-disposition';

/** What a redial rule says for one disposition (the first rule that lists it). */
export interface RedialFor {
  disposition: Disposition;
  afterSeconds: number;
  maxAttempts: number;
}

export interface CallOutcomeActionsInput {
  campaignKey: string;
  redials: readonly RedialFor[];
  /** Dispositions whose entry gets one SMS after the call (empty without chat settings). */
  smsOn: readonly Disposition[];
  /** The campaign's last deflection order: SMS ordered here get the next ones. */
  orderAfter: number;
  /** Decided calls acted on at most per call. */
  max: number;
}

export interface CallOutcomeActions {
  /** Decided calls acted on (a redial scheduled, an SMS ordered, or nothing to do). */
  acted: number;
  /** Entries put to wait for their redial. */
  redialled: number;
  /** The same entries by the disposition of the call that led to the redial. */
  redialledBy: Partial<Record<Disposition, number>>;
  /** Deflection orders now taken past `orderAfter` (the SMS pump reads them). */
  ordered: number;
}

export interface CallOutcomeActionStore {
  /**
   * Acts once on each decided call that is its entry's newest send (docs/call-outcomes.md):
   * an entry still CREATED whose call ended in a redial rule's disposition, with fewer calls
   * than the rule's maxAttempts, waits in waiting_entries until `afterSeconds` after the call
   * was decided; one in `smsOn` gets an SMS after the call, ordered after `orderAfter`. A
   * human answer (REACHED) is never redialled. One statement: a retried or repeated look acts
   * on nothing twice, and `ordered` answers the same.
   */
  actOnDecidedCalls(input: CallOutcomeActionsInput): Promise<CallOutcomeActions>;
  /** Of these [index, send] pairs, the indices whose entry had a call (a CREATED send) before that send: redials. */
  calledBefore(campaignKey: string, sends: readonly (readonly [index: number, send: number])[]): Promise<number[]>;
}

export function createCallOutcomeActionStore(pool: Pool): CallOutcomeActionStore {
  return {
    async calledBefore(campaignKey, sends) {
      if (sends.length === 0) return [];
      const { rows } = await pool.query<{ idx: number }>(
        `SELECT DISTINCT t.idx FROM unnest($2::int[], $3::int[]) AS t(idx, send)
         WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.campaign_key = $1 AND a.idx = t.idx AND a.send < t.send AND a.result = 'CREATED')
         ORDER BY t.idx`,
        [campaignKey, sends.map(([index]) => index), sends.map(([, send]) => send)],
      );
      return rows.map((r) => r.idx);
    },

    async actOnDecidedCalls(input) {
      const redials = input.redials.filter((r) => r.disposition !== 'REACHED');
      const { rows } = await pool.query<{ acted: number; redialled: number; redialled_by: Partial<Record<Disposition, number>> | null }>(
        `WITH rules AS (
           SELECT * FROM unnest($2::text[], $3::int[], $4::int[]) AS t(disposition, after_seconds, max_attempts)
         ), candidates AS (
           SELECT r.idx, r.send FROM call_results r
           WHERE r.campaign_key = $1 AND r.disposition IS NOT NULL AND r.acted_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.campaign_key = $1 AND a.idx = r.idx AND a.send > r.send)
           ORDER BY r.idx LIMIT $7
         ), acted AS (
           UPDATE call_results r SET acted_at = now() FROM candidates c
           WHERE r.campaign_key = $1 AND r.idx = c.idx AND r.send = c.send AND r.acted_at IS NULL
           RETURNING r.idx, r.send, r.disposition, r.decided_at
         ), entries AS (
           SELECT a.idx, a.send, a.disposition, a.decided_at, s.request_identifier,
                  (SELECT count(*)::int FROM attempts x WHERE x.campaign_key = $1 AND x.idx = a.idx AND x.result = 'CREATED') AS calls
           FROM acted a
           JOIN staged_entries s ON s.campaign_key = $1 AND s.idx = a.idx
           JOIN outcomes o ON o.campaign_key = $1 AND o.idx = a.idx AND o.outcome = 'CREATED'
         ), redials AS (
           INSERT INTO waiting_entries AS w (campaign_key, idx, sends, not_before, zone, reason, redial)
           SELECT $1, e.idx, e.send, e.decided_at + make_interval(secs => ru.after_seconds), 'redial', 'redial after ' || e.disposition, true
           FROM entries e JOIN rules ru ON ru.disposition = e.disposition
           WHERE e.calls < ru.max_attempts
           ON CONFLICT (campaign_key, idx) DO UPDATE SET
             sends = EXCLUDED.sends, not_before = EXCLUDED.not_before, zone = EXCLUDED.zone, reason = EXCLUDED.reason, released_by = NULL, redial = true
           RETURNING w.idx
         ), sms AS (
           INSERT INTO deflections (campaign_key, request_identifier, idx, ready_order, after_call)
           SELECT $1, e.request_identifier, e.idx, $6 + row_number() OVER (ORDER BY e.idx), true
           FROM entries e WHERE e.disposition = ANY($5::text[])
           ON CONFLICT DO NOTHING
           RETURNING idx
         )
         SELECT (SELECT count(*)::int FROM acted) AS acted, (SELECT count(*)::int FROM redials) AS redialled, (SELECT count(*)::int FROM sms) AS sms,
                (SELECT json_object_agg(disposition, n) FROM (SELECT e.disposition, count(*)::int AS n FROM redials r JOIN entries e ON e.idx = r.idx GROUP BY e.disposition) d) AS redialled_by`,
        [
          input.campaignKey,
          redials.map((r) => r.disposition),
          redials.map((r) => r.afterSeconds),
          redials.map((r) => r.maxAttempts),
          [...input.smsOn],
          input.orderAfter,
          input.max,
        ],
      );
      // Orders past `orderAfter` were all written by this look (or by its earlier try): deflection writes are serial.
      const orders = await pool.query<{ ordered: number }>(
        'SELECT coalesce(max(ready_order), $2)::int - $2 AS ordered FROM deflections WHERE campaign_key = $1 AND ready_order > $2',
        [input.campaignKey, input.orderAfter],
      );
      return { acted: rows[0]?.acted ?? 0, redialled: rows[0]?.redialled ?? 0, redialledBy: rows[0]?.redialled_by ?? {}, ordered: orders.rows[0]?.ordered ?? 0 };
    },
  };
}

/** Each disposition's redial, from the first rule that lists it (REACHED never). */
export function redialsByDisposition(rules: readonly { dispositions: readonly Disposition[]; afterSeconds: number; maxAttempts: number }[]): RedialFor[] {
  const seen = new Map<Disposition, RedialFor>();
  for (const rule of rules) {
    for (const disposition of rule.dispositions) {
      if (disposition === 'REACHED' || seen.has(disposition)) continue;
      seen.set(disposition, { disposition, afterSeconds: rule.afterSeconds, maxAttempts: rule.maxAttempts });
    }
  }
  return [...seen.values()];
}
