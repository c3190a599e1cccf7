import type { Pool } from 'pg';
import { z } from 'zod';
import { stagedEntrySchema, type StagedEntry } from '../domain/contact-entry';
import { emptyOutcomeCounts, outcomeKinds, outcomePrecedence, outcomeRecordSchema, type OutcomeCounts, type OutcomeKind, type OutcomeRecord } from '../domain/outcome';
import { stagingSummarySchema, type StagingSummary } from '../domain/staging-summary';
import { createCallOutcomeActionStore, type CallOutcomeActionStore } from './call-outcome-actions';
import { createCallResultStore, type CallResultStore } from './call-results';
import { createContactDataRetention, type ContactDataRetention } from './contact-data-retention';
import { createRecipientSends, type RecipientSends } from './recipient-sends';
import { createSuppressionLists, type SuppressionLists } from './suppression-lists';
import { createWaitingEntries, type WaitingEntries } from './waiting-entries';

/** Up to `max` staged entries from `fromIndex` on, as indices: what the workflow holds. */
export interface StagedPage {
  indices: number[];
  /** Where the next page starts: one past the last index read. */
  nextIndex: number;
  done: boolean;
}

/** Where a RequestIdentifier stands: a staged entry (with its outcome, once it has one), a REJECTED entry, or nothing. */
export interface ContactLookup {
  requestIdentifier: string;
  /** The staged entry with this id, or else the first REJECTED one. */
  index?: number;
  staged: boolean;
  outcome?: OutcomeKind;
  /** A deflection of this id is recorded (only present when true): a repeat sends nothing. */
  deflecting?: true;
}

/** The text an SMS is sent with: the deflection request's own, over the campaign's. */
export const deflectionTextSchema = z.object({
  message: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
});
export type DeflectionText = z.infer<typeof deflectionTextSchema>;

/**
 * A deflection the campaign accepted, as the store keeps it. `order` is given by the workflow
 * (1, 2, 3, … per campaign) once the SMS may be sent; absent while the entry's batch is in
 * flight (the deflection then waits for the batch's answer, and releaseDeflections orders it).
 */
export interface DeflectionRecord {
  requestIdentifier: string;
  index: number;
  order?: number;
  /** The entry was already CREATED: the SMS follows its call. */
  afterCall?: boolean;
}

/** A deflection the SMS pump may send, in `order`. */
export interface ReadyDeflection {
  requestIdentifier: string;
  index: number;
  order: number;
  afterCall?: true;
}

/** One send of one entry and Connect's answer to it (`result` is CREATED or the failure code). */
export const attemptSchema = z.object({
  index: z.number().int().min(0),
  send: z.number().int().min(1),
  api: z.string(),
  result: z.string(),
  contactId: z.string().optional(),
  message: z.string().optional(),
  /** A v2 request's clientToken: the contact Connect places for it names it (docs/call-outcomes.md). */
  requestToken: z.string().optional(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/**
 * An outcome a write actually stored: a new entry's, or one that replaced a lower-ranked
 * outcome (`previous`). A retried write of the same records answers none, so counting these
 * counts every entry's outcome exactly once (the product's entries metrics).
 */
export interface OutcomeChange {
  outcome: OutcomeKind;
  previous?: OutcomeKind;
  failureCode?: string;
}

export interface UnsentEntries {
  /** Entries the workflow holds (queue, lanes, splits, deflections not yet sent). */
  held: readonly number[];
  /** The unread part of the list starts here; absent when the list was read to its end. */
  fromIndex?: number;
  /** Entries of the unread part that are not unsent (deflected before they were read). Entries with a recorded deflection are never in the unread part. */
  skip: readonly number[];
  /**
   * Deflections recorded in the store whose SMS was never sent: those ordered after this
   * (the SMS pump's cursor) are unsent too, unless they follow a call. Absent for campaigns
   * that carry their deflections (carried state version 2).
   */
  deflectionsAfterOrder?: number;
  message: string;
}

/**
 * The campaign store (docs/architecture.md): staged entries, one outcome per entry, and
 * every attempt, in PostgreSQL or PGlite through the same SQL. Every write is idempotent,
 * so a retried activity never double-counts. Entries waiting for their calling window and the
 * deployment's suppression lists have modules of their own (waiting-entries.ts, suppression-lists.ts).
 */
export interface CampaignStore extends CallResultStore, CallOutcomeActionStore, WaitingEntries, SuppressionLists, RecipientSends, ContactDataRetention {
  /** The staging summary, present once the whole list is staged. */
  stagingSummary(campaignKey: string): Promise<StagingSummary | undefined>;
  /** Marks the list staged; written last by staging. */
  saveStagingSummary(campaignKey: string, summary: StagingSummary): Promise<void>;
  /** Adds staged entries; an index already staged is left as it is (a retried staging). */
  stageEntries(campaignKey: string, entries: readonly StagedEntry[]): Promise<void>;
  /** The lowest staged index of each of these RequestIdentifiers that is staged (staging's duplicate check). */
  firstStagedIndices(campaignKey: string, requestIdentifiers: readonly string[]): Promise<Map<string, number>>;
  /** The next `max` staged entries from `fromIndex` on; those with a recorded deflection are passed over (they go to SMS). */
  stagedPage(campaignKey: string, fromIndex: number, max: number): Promise<StagedPage>;
  /** The staged entries at these indices, in the order asked; a missing one is an error. */
  stagedEntries(campaignKey: string, indices: readonly number[]): Promise<StagedEntry[]>;
  lookup(campaignKey: string, requestIdentifiers: readonly string[]): Promise<ContactLookup[]>;
  /**
   * Upserts outcomes by precedence: a record replaces the stored one only when it ranks
   * higher (a DEFLECTED after the call replaces CREATED), so each entry has exactly one.
   */
  recordOutcomes(campaignKey: string, records: readonly OutcomeRecord[]): Promise<OutcomeChange[]>;
  outcomeOf(campaignKey: string, index: number): Promise<OutcomeRecord | undefined>;
  /** Records sends; the same (index, send) again replaces the row (a retried call). */
  recordAttempts(campaignKey: string, attempts: readonly Attempt[]): Promise<void>;
  /** The newest attempt of each of these entries. */
  lastAttempts(campaignKey: string, indices: readonly number[]): Promise<Map<number, Attempt>>;
  /** Marks the unsent entries CANCELLED: how many entries that covers (the same on a retry), and how many this call recorded. */
  cancelUnsent(campaignKey: string, unsent: UnsentEntries): Promise<{ covered: number; recorded: number }>;
  /**
   * Every outcome, by index, read in pages so a report of a million entries streams; with
   * `calls`, each with its final disposition and number of calls (call outcomes on).
   */
  outcomes(campaignKey: string, options?: { calls?: boolean }): AsyncIterable<OutcomeRecord>;
  outcomeCounts(campaignKey: string): Promise<OutcomeCounts>;
  /** Records accepted deflections with their request's text; a RequestIdentifier already recorded is left as it is (a retried write, a repeat). */
  recordDeflections(campaignKey: string, deflections: readonly (DeflectionRecord & DeflectionText)[]): Promise<void>;
  /** Orders deflections that waited for their batch's answer (by index); one already ordered is left as it is. */
  releaseDeflections(campaignKey: string, released: readonly (Required<Pick<DeflectionRecord, 'index' | 'order'>> & { afterCall: boolean })[]): Promise<void>;
  /** Up to `max` deflections ordered after `afterOrder`, in order: the SMS pump's next page. */
  readyDeflections(campaignKey: string, afterOrder: number, max: number): Promise<ReadyDeflection[]>;
  /** The message and attributes the SMS of entry `index` is sent with; undefined when no deflection of it is recorded. */
  deflectionText(campaignKey: string, index: number): Promise<DeflectionText | undefined>;
  /** Records these ids as deflected (for dedup only, never sent from here): a campaign that carried them moves them to the store. */
  markDeflected(campaignKey: string, requestIdentifiers: readonly string[]): Promise<void>;
}

const REPORT_PAGE = 5_000;

const outcomeRowSchema = z.object({
  idx: z.number(),
  request_identifier: z.string(),
  outcome: z.enum(outcomeKinds),
  contact_id: z.string().nullable(),
  related_contact_id: z.string().nullable(),
  failure_code: z.string().nullable(),
  field: z.string().nullable(),
  message: z.string().nullable(),
  disposition: z.string().nullable().optional(),
  calls: z.number().optional(),
});

const OUTCOME_COLUMNS = 'idx, request_identifier, outcome, contact_id, related_contact_id, failure_code, field, message';
/** An entry's final disposition (its newest decided call) and its number of calls, beside its outcome `o`. */
const CALL_COLUMNS = `(SELECT r.disposition FROM call_results r WHERE r.campaign_key = o.campaign_key AND r.idx = o.idx AND r.disposition IS NOT NULL ORDER BY r.send DESC LIMIT 1) AS disposition,
  (SELECT count(*)::int FROM attempts a WHERE a.campaign_key = o.campaign_key AND a.idx = o.idx AND a.result = 'CREATED') AS calls`;

export function createCampaignStore(pool: Pool): CampaignStore {
  const rows = async (sql: string, params: unknown[]): Promise<unknown[]> => (await pool.query(sql, params)).rows as unknown[];

  return {
    ...createCallResultStore(pool),
    ...createCallOutcomeActionStore(pool),
    ...createWaitingEntries(pool),
    ...createSuppressionLists(pool),
    ...createRecipientSends(pool),
    ...createContactDataRetention(pool),

    async stagingSummary(campaignKey) {
      const [row] = await rows('SELECT staging FROM campaigns WHERE campaign_key = $1', [campaignKey]);
      return row ? stagingSummarySchema.parse((row as { staging: unknown }).staging) : undefined;
    },

    async saveStagingSummary(campaignKey, summary) {
      await pool.query('INSERT INTO campaigns (campaign_key, staging) VALUES ($1, $2) ON CONFLICT (campaign_key) DO UPDATE SET staging = EXCLUDED.staging', [
        campaignKey,
        JSON.stringify(stagingSummarySchema.parse(summary)),
      ]);
    },

    async stageEntries(campaignKey, entries) {
      if (entries.length === 0) return;
      await pool.query(
        `INSERT INTO staged_entries (campaign_key, idx, request_identifier, entry)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::jsonb[])
         ON CONFLICT (campaign_key, idx) DO NOTHING`,
        [campaignKey, entries.map((e) => e.index), entries.map((e) => e.entry.RequestIdentifier), entries.map((e) => JSON.stringify(e.entry))],
      );
    },

    async firstStagedIndices(campaignKey, requestIdentifiers) {
      if (requestIdentifiers.length === 0) return new Map();
      const found = await rows(
        'SELECT request_identifier, min(idx) AS idx FROM staged_entries WHERE campaign_key = $1 AND request_identifier = ANY($2::text[]) GROUP BY request_identifier',
        [campaignKey, [...new Set(requestIdentifiers)]],
      );
      return new Map(found.map((r) => [(r as { request_identifier: string }).request_identifier, (r as { idx: number }).idx]));
    },

    async stagedPage(campaignKey, fromIndex, max) {
      if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, not ${max}`);
      const found = await rows(
        `SELECT s.idx, d.idx IS NOT NULL AS deflected FROM staged_entries s
         LEFT JOIN deflections d ON d.campaign_key = s.campaign_key AND d.idx = s.idx
         WHERE s.campaign_key = $1 AND s.idx >= $2 ORDER BY s.idx LIMIT $3`,
        [campaignKey, fromIndex, max + 1],
      );
      const scanned = found as { idx: number; deflected: boolean }[];
      const done = scanned.length <= max;
      if (!done) scanned.pop();
      const last = scanned.at(-1)?.idx;
      return { indices: scanned.filter((r) => !r.deflected).map((r) => r.idx), nextIndex: last === undefined ? fromIndex : last + 1, done };
    },

    async stagedEntries(campaignKey, indices) {
      if (indices.length === 0) return [];
      const found = await rows('SELECT idx, entry FROM staged_entries WHERE campaign_key = $1 AND idx = ANY($2::int[])', [campaignKey, [...indices]]);
      const byIndex = new Map(
        found.map((r) => {
          const row = r as { idx: number; entry: unknown };
          return [row.idx, stagedEntrySchema.parse({ index: row.idx, entry: row.entry })];
        }),
      );
      return indices.map((i) => {
        const staged = byIndex.get(i);
        if (!staged) throw new Error(`entry ${i} of campaign ${campaignKey} is not staged`);
        return staged;
      });
    },

    async lookup(campaignKey, requestIdentifiers) {
      const ids = [...new Set(requestIdentifiers)];
      const [staged, recorded, deflected] = await Promise.all([
        rows('SELECT idx, request_identifier FROM staged_entries WHERE campaign_key = $1 AND request_identifier = ANY($2::text[])', [campaignKey, ids]),
        rows('SELECT idx, request_identifier, outcome FROM outcomes WHERE campaign_key = $1 AND request_identifier = ANY($2::text[]) ORDER BY idx', [campaignKey, ids]),
        rows('SELECT request_identifier FROM deflections WHERE campaign_key = $1 AND request_identifier = ANY($2::text[])', [campaignKey, ids]),
      ]);
      const deflecting = new Set(deflected.map((r) => (r as { request_identifier: string }).request_identifier));
      const stagedIndex = new Map(staged.map((r) => [(r as { request_identifier: string }).request_identifier, (r as { idx: number }).idx]));
      const outcomeAt = new Map(recorded.map((r) => [(r as { idx: number }).idx, r as { request_identifier: string; outcome: OutcomeKind }]));
      return requestIdentifiers.map((requestIdentifier): ContactLookup => {
        const index = stagedIndex.get(requestIdentifier);
        if (index !== undefined)
          return { requestIdentifier, index, staged: true, outcome: outcomeAt.get(index)?.outcome, ...(deflecting.has(requestIdentifier) ? { deflecting: true } : {}) };
        // Not staged: the entry was REJECTED (the first such row, when a list repeated the id).
        for (const [idx, r] of outcomeAt) if (r.request_identifier === requestIdentifier) return { requestIdentifier, index: idx, staged: false, outcome: r.outcome };
        return { requestIdentifier, staged: false };
      });
    },

    async recordOutcomes(campaignKey, records) {
      // One row per index in a statement (Postgres refuses to upsert a row twice): the highest precedence.
      const byIndex = new Map<number, OutcomeRecord>();
      for (const r of records.map((x) => outcomeRecordSchema.parse(x))) {
        const prev = byIndex.get(r.index);
        if (!prev || outcomePrecedence[r.outcome] > outcomePrecedence[prev.outcome]) byIndex.set(r.index, r);
      }
      const list = [...byIndex.values()];
      if (list.length === 0) return [];
      // `before` reads the statement's snapshot, so it holds the outcomes this write replaced.
      const changed = await rows(
        `WITH incoming AS (
           SELECT * FROM unnest($2::int[], $3::text[], $4::text[], $5::int2[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
             AS t(idx, request_identifier, outcome, precedence, contact_id, related_contact_id, failure_code, field, message)
         ), before AS (
           SELECT o.idx, o.outcome FROM outcomes o JOIN incoming i ON o.campaign_key = $1 AND o.idx = i.idx
         ), written AS (
           INSERT INTO outcomes (campaign_key, idx, request_identifier, outcome, precedence, contact_id, related_contact_id, failure_code, field, message)
           SELECT $1, * FROM incoming
           ON CONFLICT (campaign_key, idx) DO UPDATE SET
             request_identifier = EXCLUDED.request_identifier, outcome = EXCLUDED.outcome, precedence = EXCLUDED.precedence,
             contact_id = EXCLUDED.contact_id, related_contact_id = EXCLUDED.related_contact_id, failure_code = EXCLUDED.failure_code,
             field = EXCLUDED.field, message = EXCLUDED.message, recorded_at = now()
           WHERE outcomes.precedence < EXCLUDED.precedence
           RETURNING idx, outcome, failure_code
         )
         SELECT w.outcome, b.outcome AS previous, w.failure_code FROM written w LEFT JOIN before b ON b.idx = w.idx`,
        [
          campaignKey,
          list.map((r) => r.index),
          list.map((r) => r.requestIdentifier),
          list.map((r) => r.outcome),
          list.map((r) => outcomePrecedence[r.outcome]),
          list.map((r) => r.contactId ?? null),
          list.map((r) => r.relatedContactId ?? null),
          list.map((r) => r.failureCode ?? null),
          list.map((r) => r.field ?? null),
          list.map((r) => r.message ?? null),
        ],
      );
      return changed.map((raw) => {
        const r = raw as { outcome: OutcomeKind; previous: OutcomeKind | null; failure_code: string | null };
        return { outcome: r.outcome, ...(r.previous ? { previous: r.previous } : {}), ...(r.failure_code ? { failureCode: r.failure_code } : {}) };
      });
    },

    async outcomeOf(campaignKey, index) {
      const [row] = await rows(`SELECT ${OUTCOME_COLUMNS} FROM outcomes WHERE campaign_key = $1 AND idx = $2`, [campaignKey, index]);
      return row ? toOutcomeRecord(row) : undefined;
    },

    async recordAttempts(campaignKey, attempts) {
      const list = [...new Map(attempts.map((a) => [`${a.index}/${a.send}`, attemptSchema.parse(a)])).values()];
      if (list.length === 0) return;
      await pool.query(
        // A retried send keeps the call already linked to it (call_contact_id): the same token names the same call.
        `INSERT INTO attempts (campaign_key, idx, send, api, result, contact_id, message, request_token)
         SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         ON CONFLICT (campaign_key, idx, send) DO UPDATE SET
           api = EXCLUDED.api, result = EXCLUDED.result, contact_id = EXCLUDED.contact_id, message = EXCLUDED.message,
           request_token = EXCLUDED.request_token, sent_at = now()`,
        [
          campaignKey,
          list.map((a) => a.index),
          list.map((a) => a.send),
          list.map((a) => a.api),
          list.map((a) => a.result),
          list.map((a) => a.contactId ?? null),
          list.map((a) => a.message ?? null),
          list.map((a) => a.requestToken ?? null),
        ],
      );
    },

    async lastAttempts(campaignKey, indices) {
      const found = await rows(
        `SELECT DISTINCT ON (idx) idx, send, api, result, contact_id, message FROM attempts
         WHERE campaign_key = $1 AND idx = ANY($2::int[]) ORDER BY idx, send DESC`,
        [campaignKey, [...indices]],
      );
      return new Map(
        found.map((r) => {
          const row = r as { idx: number; send: number; api: string; result: string; contact_id: string | null; message: string | null };
          return [row.idx, { index: row.idx, send: row.send, api: row.api, result: row.result, contactId: row.contact_id ?? undefined, message: row.message ?? undefined }];
        }),
      );
    },

    async cancelUnsent(campaignKey, unsent) {
      const [row] = await rows(
        `WITH unsent AS (
           SELECT s.idx, s.request_identifier FROM staged_entries s
           WHERE s.campaign_key = $1
             AND (s.idx = ANY($2::int[])
               OR ($3::int IS NOT NULL AND s.idx >= $3 AND NOT (s.idx = ANY($4::int[]))
                   AND NOT EXISTS (SELECT 1 FROM deflections d WHERE d.campaign_key = $1 AND d.idx = s.idx))
               OR ($6::int IS NOT NULL AND EXISTS (
                   SELECT 1 FROM deflections d WHERE d.campaign_key = $1 AND d.idx = s.idx AND d.ready_order > $6 AND NOT d.after_call)))
         ), cancelled AS (
           INSERT INTO outcomes (campaign_key, idx, request_identifier, outcome, precedence, message)
           SELECT $1, idx, request_identifier, 'CANCELLED', ${outcomePrecedence.CANCELLED}, $5 FROM unsent
           ON CONFLICT (campaign_key, idx) DO NOTHING
           RETURNING idx
         )
         SELECT (SELECT count(*)::int FROM unsent) AS covered, (SELECT count(*)::int FROM cancelled) AS recorded`,
        [campaignKey, [...unsent.held], unsent.fromIndex ?? null, [...unsent.skip], unsent.message, unsent.deflectionsAfterOrder ?? null],
      );
      return row as { covered: number; recorded: number };
    },

    async recordDeflections(campaignKey, deflections) {
      if (deflections.length === 0) return;
      await pool.query(
        `INSERT INTO deflections (campaign_key, request_identifier, idx, ready_order, after_call, message, attributes)
         SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::boolean[], $6::text[], $7::jsonb[])
         ON CONFLICT (campaign_key, request_identifier) DO NOTHING`,
        [
          campaignKey,
          deflections.map((d) => d.requestIdentifier),
          deflections.map((d) => d.index),
          deflections.map((d) => d.order ?? null),
          deflections.map((d) => d.afterCall === true),
          deflections.map((d) => d.message ?? null),
          deflections.map((d) => (d.attributes ? JSON.stringify(d.attributes) : null)),
        ],
      );
    },

    async releaseDeflections(campaignKey, released) {
      if (released.length === 0) return;
      await pool.query(
        `UPDATE deflections d SET ready_order = r.ready_order, after_call = r.after_call
         FROM unnest($2::int[], $3::int[], $4::boolean[]) AS r(idx, ready_order, after_call)
         WHERE d.campaign_key = $1 AND d.idx = r.idx AND d.ready_order IS NULL`,
        [campaignKey, released.map((r) => r.index), released.map((r) => r.order), released.map((r) => r.afterCall)],
      );
    },

    async readyDeflections(campaignKey, afterOrder, max) {
      const found = await rows(
        'SELECT request_identifier, idx, ready_order, after_call FROM deflections WHERE campaign_key = $1 AND ready_order > $2 ORDER BY ready_order LIMIT $3',
        [campaignKey, afterOrder, max],
      );
      return found.map((raw) => {
        const r = raw as { request_identifier: string; idx: number; ready_order: number; after_call: boolean };
        return { requestIdentifier: r.request_identifier, index: r.idx, order: r.ready_order, ...(r.after_call ? { afterCall: true as const } : {}) };
      });
    },

    async deflectionText(campaignKey, index) {
      const [row] = await rows('SELECT message, attributes FROM deflections WHERE campaign_key = $1 AND idx = $2', [campaignKey, index]);
      if (!row) return undefined;
      const r = row as { message: string | null; attributes: unknown };
      return deflectionTextSchema.parse({ message: r.message ?? undefined, attributes: r.attributes ?? undefined });
    },

    async markDeflected(campaignKey, requestIdentifiers) {
      if (requestIdentifiers.length === 0) return;
      await pool.query(
        `INSERT INTO deflections (campaign_key, request_identifier, idx)
         SELECT campaign_key, request_identifier, idx FROM staged_entries WHERE campaign_key = $1 AND request_identifier = ANY($2::text[])
         ON CONFLICT DO NOTHING`,
        [campaignKey, [...requestIdentifiers]],
      );
    },

    async *outcomes(campaignKey, options = {}) {
      let after = -1;
      const columns = options.calls === true ? `${OUTCOME_COLUMNS}, ${CALL_COLUMNS}` : OUTCOME_COLUMNS;
      for (;;) {
        const page = await rows(`SELECT ${columns} FROM outcomes o WHERE campaign_key = $1 AND idx > $2 ORDER BY idx LIMIT $3`, [campaignKey, after, REPORT_PAGE]);
        for (const row of page) yield toOutcomeRecord(row);
        if (page.length < REPORT_PAGE) return;
        after = (page.at(-1) as { idx: number }).idx;
      }
    },

    async outcomeCounts(campaignKey) {
      const found = await rows('SELECT outcome, count(*)::int AS n FROM outcomes WHERE campaign_key = $1 GROUP BY outcome', [campaignKey]);
      const counts = emptyOutcomeCounts();
      for (const r of found) {
        const row = r as { outcome: OutcomeKind; n: number };
        counts[row.outcome] = row.n;
      }
      return counts;
    },
  };
}

function toOutcomeRecord(raw: unknown): OutcomeRecord {
  const r = outcomeRowSchema.parse(raw);
  return outcomeRecordSchema.parse({
    requestIdentifier: r.request_identifier,
    index: r.idx,
    outcome: r.outcome,
    contactId: r.contact_id ?? undefined,
    relatedContactId: r.related_contact_id ?? undefined,
    failureCode: r.failure_code ?? undefined,
    field: r.field ?? undefined,
    message: r.message ?? undefined,
    ...(r.disposition != null && { disposition: r.disposition }),
    ...(r.calls !== undefined && { attempts: r.calls }),
  });
}
