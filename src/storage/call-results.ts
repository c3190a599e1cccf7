import type { Pool } from 'pg';
import { dispositionOf, dispositions, mergeFacts, type CallFacts, type Disposition } from '../domain/call-disposition';

/** Where a disposition was learnt. */
export type CallFactsSource = 'EVENT' | 'DESCRIBE_CONTACT';

export interface CallFactsRecord {
  contactId: string;
  facts: CallFacts;
  source: CallFactsSource;
}

/** A call whose disposition a write decided (each call is decided once, whatever repeats). */
export interface DecidedCall {
  campaignKey: string;
  index: number;
  send: number;
  contactId: string;
  disposition: Disposition;
}

/** A call still waiting for its disposition. */
export interface UndecidedCall {
  index: number;
  send: number;
  contactId: string;
  /** The instance a linked v2 call is on (a v1 call's is its campaign's). */
  instanceId?: string;
}

/**
 * The contact Connect placed for a v2 dial request, as its attributes name it: the request's
 * clientToken (the `ConnectDialerRequest` attribute) and where the contact is.
 */
export interface CallLink {
  requestToken: string;
  contactId: string;
  instanceId: string;
}

export interface DispositionSummary {
  /** Entries by the disposition of their newest decided call. */
  counts: Record<Disposition, number>;
  /** Calls placed (sends that created a contact). */
  calls: number;
  /** Calls whose disposition is not known yet. */
  pending: number;
}

export function emptyDispositionCounts(): Record<Disposition, number> {
  return Object.fromEntries(dispositions.map((d) => [d, 0])) as Record<Disposition, number>;
}

/**
 * Call results in the campaign store (migration 20261203171500_call-outcomes): facts merged
 * from contact events and DescribeContact, and each call's disposition, written once.
 */
export interface CallResultStore {
  /**
   * Merges facts about calls. Answers the contacts the store knows (a contact of no campaign
   * here is another dialer's, or its send is not recorded yet) and the calls this write decided.
   */
  recordCallFacts(records: readonly CallFactsRecord[]): Promise<{ known: Set<string>; decided: DecidedCall[] }>;
  /**
   * Links v2 calls to the sends whose request token they carry, so their events and
   * DescribeContact find them by ContactId from then on. Answers the contacts linked (again, for
   * a repeat): a token no recorded send has (not recorded yet, or another dialer's) links nothing,
   * and a send already linked to another contact keeps it.
   */
  linkCalls(links: readonly CallLink[]): Promise<Set<string>>;
  /** Notes an Outbound Campaigns v2 campaign (its id or ARN) that a campaign here sends to; once per process and campaign. */
  noteOutboundCampaign(connectCampaignId: string): Promise<void>;
  /** Which of these v2 campaign ids (as contact events name them) campaigns here have sent to. */
  outboundCampaignsAmong(connectCampaignIds: readonly string[]): Promise<Set<string>>;
  /** The contact linked to this v2 dial request (a send's contact_id), once its attributes named it. */
  linkedContactOf(campaignKey: string, dialRequestId: string): Promise<string | undefined>;
  /**
   * Calls of a campaign placed before `placedBefore` that have no disposition yet (oldest first);
   * with `linkedOnly` (a v2 campaign) only those linked to their contact, the ones DescribeContact knows.
   */
  undecidedCalls(campaignKey: string, placedBefore: Date, max: number, options?: { linkedOnly?: boolean }): Promise<UndecidedCall[]>;
  /** Records UNKNOWN for every call still undecided (the settle time is over); answers how many. */
  settleUndecided(campaignKey: string): Promise<DecidedCall[]>;
  dispositionSummary(campaignKey: string): Promise<DispositionSummary>;
  /** Whether any call of the campaign has a result: reports then show Disposition and Attempts. */
  hasCallResults(campaignKey: string): Promise<boolean>;
}

interface MergedRow {
  campaign_key: string;
  idx: number;
  send: number;
  contact_id: string;
  connected: boolean;
  ended: boolean;
  amd_status: string | null;
  disconnect_reason: string | null;
  disposition: string | null;
}

/**
 * The calls behind attempts: every send that created a contact or a v2 dial request, with or
 * without a result yet. `contact_id` is the call's ContactId: a v2 send's linked contact once
 * its attributes named it, the dial request's id before.
 */
const PLACED_CALLS = `SELECT a.campaign_key, a.idx, a.send, COALESCE(a.call_contact_id, a.contact_id) AS contact_id, a.call_contact_id, a.call_instance_id
  FROM attempts a WHERE a.result = 'CREATED' AND a.contact_id IS NOT NULL`;

/** A v2 campaign's id as contact events name it: an ARN's last part (`arn:…:campaign/<id>`), an id as it is. */
export function outboundCampaignIdOf(idOrArn: string): string {
  return idOrArn.slice(idOrArn.lastIndexOf('/') + 1);
}

export function createCallResultStore(pool: Pool): CallResultStore {
  const noted = new Set<string>();
  return {
    async recordCallFacts(records) {
      // One row per contact per statement: facts about one contact in one batch are merged first.
      const byContact = new Map<string, CallFactsRecord>();
      for (const r of records) {
        const prev = byContact.get(r.contactId);
        byContact.set(r.contactId, prev ? { ...r, facts: mergeFacts(prev.facts, r.facts) } : r);
      }
      const list = [...byContact.values()];
      if (list.length === 0) return { known: new Set(), decided: [] };
      const merged = (
        await pool.query<MergedRow>(
          `WITH incoming AS (
             SELECT * FROM unnest($1::text[], $2::boolean[], $3::boolean[], $4::text[], $5::text[]) AS t(contact_id, connected, ended, amd_status, disconnect_reason)
           )
           INSERT INTO call_results AS r (campaign_key, idx, send, contact_id, connected, ended, amd_status, disconnect_reason)
           SELECT a.campaign_key, a.idx, a.send, i.contact_id, i.connected, i.ended, i.amd_status, i.disconnect_reason
           FROM incoming i JOIN attempts a ON (a.contact_id = i.contact_id OR a.call_contact_id = i.contact_id) AND a.result = 'CREATED'
           -- Rows are locked in key order, the same in every statement here: consumers applying overlapping batches at once wait, never deadlock.
           ORDER BY a.campaign_key, a.idx, a.send
           ON CONFLICT (campaign_key, idx, send) DO UPDATE SET
             connected = r.connected OR EXCLUDED.connected,
             ended = r.ended OR EXCLUDED.ended,
             amd_status = COALESCE(r.amd_status, EXCLUDED.amd_status),
             disconnect_reason = COALESCE(r.disconnect_reason, EXCLUDED.disconnect_reason)
           RETURNING r.campaign_key, r.idx, r.send, r.contact_id, r.connected, r.ended, r.amd_status, r.disconnect_reason, r.disposition`,
          [
            list.map((r) => r.contactId),
            list.map((r) => r.facts.connected),
            list.map((r) => r.facts.ended),
            list.map((r) => r.facts.amdStatus ?? null),
            list.map((r) => r.facts.disconnectReason ?? null),
          ],
        )
      ).rows;
      const sourceOf = new Map(list.map((r) => [r.contactId, r.source]));
      const deciding = merged.flatMap((row) => {
        if (row.disposition !== null) return [];
        const disposition = dispositionOf({
          connected: row.connected,
          ended: row.ended,
          ...(row.amd_status !== null && { amdStatus: row.amd_status }),
          ...(row.disconnect_reason !== null && { disconnectReason: row.disconnect_reason }),
        });
        return disposition === undefined ? [] : [{ row, disposition, source: sourceOf.get(row.contact_id) ?? 'EVENT' }];
      });
      const decided = await decide(
        pool,
        deciding.map((d) => ({ campaignKey: d.row.campaign_key, index: d.row.idx, send: d.row.send, contactId: d.row.contact_id, disposition: d.disposition, source: d.source })),
      );
      return { known: new Set(merged.map((r) => r.contact_id)), decided };
    },

    async linkCalls(links) {
      if (links.length === 0) return new Set();
      const { rows } = await pool.query<{ contact_id: string }>(
        `UPDATE attempts a SET call_contact_id = l.contact_id, call_instance_id = l.instance_id
         FROM (
           SELECT t.campaign_key, t.idx, t.send, l.contact_id, l.instance_id
           FROM unnest($1::text[], $2::text[], $3::text[]) AS l(request_token, contact_id, instance_id)
           JOIN attempts t ON t.request_token = l.request_token AND t.result = 'CREATED' AND (t.call_contact_id IS NULL OR t.call_contact_id = l.contact_id)
           ORDER BY t.campaign_key, t.idx, t.send
           FOR UPDATE OF t
         ) l
         WHERE a.campaign_key = l.campaign_key AND a.idx = l.idx AND a.send = l.send AND (a.call_contact_id IS NULL OR a.call_contact_id = l.contact_id)
         RETURNING l.contact_id`,
        [links.map((l) => l.requestToken), links.map((l) => l.contactId), links.map((l) => l.instanceId)],
      );
      return new Set(rows.map((r) => r.contact_id));
    },

    async noteOutboundCampaign(connectCampaignId) {
      const id = outboundCampaignIdOf(connectCampaignId);
      if (noted.has(id)) return;
      await pool.query('INSERT INTO outbound_campaigns_v2 (connect_campaign_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
      noted.add(id);
    },

    async outboundCampaignsAmong(connectCampaignIds) {
      if (connectCampaignIds.length === 0) return new Set();
      const { rows } = await pool.query<{ connect_campaign_id: string }>('SELECT connect_campaign_id FROM outbound_campaigns_v2 WHERE connect_campaign_id = ANY($1::text[])', [
        connectCampaignIds,
      ]);
      return new Set(rows.map((r) => r.connect_campaign_id));
    },

    async linkedContactOf(campaignKey, dialRequestId) {
      const { rows } = await pool.query<{ call_contact_id: string }>(
        'SELECT call_contact_id FROM attempts WHERE contact_id = $2 AND campaign_key = $1 AND call_contact_id IS NOT NULL LIMIT 1',
        [campaignKey, dialRequestId],
      );
      return rows[0]?.call_contact_id;
    },

    async undecidedCalls(campaignKey, placedBefore, max, options = {}) {
      const { rows } = await pool.query<{ idx: number; send: number; contact_id: string; call_instance_id: string | null }>(
        `SELECT p.idx, p.send, p.contact_id, p.call_instance_id FROM (${PLACED_CALLS} AND a.campaign_key = $1 AND a.sent_at < $2) p
         LEFT JOIN call_results r ON r.campaign_key = p.campaign_key AND r.idx = p.idx AND r.send = p.send
         WHERE r.disposition IS NULL AND (NOT $4::boolean OR p.call_contact_id IS NOT NULL) ORDER BY p.idx, p.send LIMIT $3`,
        [campaignKey, placedBefore, max, options.linkedOnly === true],
      );
      return rows.map((r) => ({ index: r.idx, send: r.send, contactId: r.contact_id, ...(r.call_instance_id !== null && { instanceId: r.call_instance_id }) }));
    },

    async settleUndecided(campaignKey) {
      const { rows } = await pool.query<{ idx: number; send: number; contact_id: string }>(
        `INSERT INTO call_results AS r (campaign_key, idx, send, contact_id, disposition, source, decided_at)
         SELECT p.campaign_key, p.idx, p.send, p.contact_id, 'UNKNOWN', 'SETTLED', now() FROM (${PLACED_CALLS} AND a.campaign_key = $1) p
         ON CONFLICT (campaign_key, idx, send) DO UPDATE SET disposition = 'UNKNOWN', source = 'SETTLED', decided_at = now()
           WHERE r.disposition IS NULL
         RETURNING r.idx, r.send, r.contact_id`,
        [campaignKey],
      );
      return rows.map((r) => ({ campaignKey, index: r.idx, send: r.send, contactId: r.contact_id, disposition: 'UNKNOWN' as const }));
    },

    async hasCallResults(campaignKey) {
      const { rows } = await pool.query('SELECT 1 FROM call_results WHERE campaign_key = $1 LIMIT 1', [campaignKey]);
      return rows.length > 0;
    },

    async dispositionSummary(campaignKey) {
      // One statement, one snapshot: counts and pending never disagree while the consumer writes.
      const { rows } = await pool.query<{ disposition: string | null; n: number; calls: number; pending: number }>(
        `WITH placed AS (
           SELECT p.idx, p.send, r.disposition FROM (${PLACED_CALLS} AND a.campaign_key = $1) p
           LEFT JOIN call_results r ON r.campaign_key = p.campaign_key AND r.idx = p.idx AND r.send = p.send
         ), newest AS (
           SELECT DISTINCT ON (idx) idx, disposition FROM placed WHERE disposition IS NOT NULL ORDER BY idx, send DESC
         )
         SELECT disposition, count(*)::int AS n, (SELECT count(*)::int FROM placed) AS calls,
                (SELECT count(*)::int FROM placed WHERE disposition IS NULL) AS pending
         FROM newest GROUP BY disposition
         UNION ALL
         SELECT NULL, 0, (SELECT count(*)::int FROM placed), (SELECT count(*)::int FROM placed WHERE disposition IS NULL)`,
        [campaignKey],
      );
      const counts = emptyDispositionCounts();
      for (const r of rows) {
        if (r.disposition === null) continue;
        const d = (dispositions as readonly string[]).includes(r.disposition) ? (r.disposition as Disposition) : 'UNKNOWN';
        counts[d] += r.n;
      }
      const totals = rows.find((r) => r.disposition === null);
      return { counts, calls: totals?.calls ?? 0, pending: totals?.pending ?? 0 };
    },
  };
}

/** Writes dispositions where none is recorded: a concurrent writer that decided first keeps its answer. */
async function decide(pool: Pool, calls: readonly (DecidedCall & { source: CallFactsSource })[]): Promise<DecidedCall[]> {
  if (calls.length === 0) return [];
  const { rows } = await pool.query<{ campaign_key: string; idx: number; send: number; contact_id: string; disposition: Disposition }>(
    `UPDATE call_results r SET disposition = d.disposition, source = d.source, decided_at = now()
     FROM (
       SELECT t.campaign_key, t.idx, t.send, d.disposition, d.source
       FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[]) AS d(campaign_key, idx, send, disposition, source)
       JOIN call_results t ON t.campaign_key = d.campaign_key AND t.idx = d.idx AND t.send = d.send AND t.disposition IS NULL
       ORDER BY t.campaign_key, t.idx, t.send
       FOR UPDATE OF t
     ) d
     WHERE r.campaign_key = d.campaign_key AND r.idx = d.idx AND r.send = d.send AND r.disposition IS NULL
     RETURNING r.campaign_key, r.idx, r.send, r.contact_id, r.disposition`,
    [calls.map((c) => c.campaignKey), calls.map((c) => c.index), calls.map((c) => c.send), calls.map((c) => c.disposition), calls.map((c) => c.source)],
  );
  return rows.map((r) => ({ campaignKey: r.campaign_key, index: r.idx, send: r.send, contactId: r.contact_id, disposition: r.disposition }));
}
