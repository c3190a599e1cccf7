import type { DialListSource, SubmissionApi, ValidationSettings } from '../domain/campaign';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import { checkEntry, type EntryRejection } from '../domain/entry-validation';
import type { OutcomeRecord } from '../domain/outcome';
import type { StagingSummary } from '../domain/staging-summary';
import type { CampaignStore } from '../storage/campaign-store';
import { isMalformed, readDialListSource } from '../dial-list/dial-list-reader';
import { isKnownTimeZone } from '../domain/calling-window';
import { rulesNow, suppressedRecord, type SendRules } from './send-screening';
import { unknownZoneReason } from './time-zones';

/** Rows per INSERT: large enough to amortise a round trip, small enough to bound memory. */
const STAGED_CHUNK = 2_000;
const REJECTED_CHUNK = 2_000;
const PROGRESS_EVERY = 1_000;

export interface StageArgs {
  source: DialListSource;
  defaults: ContactDefaults;
  /** Staged entries go here, and the REJECTED ones' outcomes. */
  store: CampaignStore;
  /** The workflow id. */
  campaignKey: string;
  /** The campaign's `validation` (how strictly numbers are checked); Connect's own rules when absent. */
  validation?: ValidationSettings;
  /** The Connect API the entries go to (which fields an entry needs); BatchPutContact when absent. */
  api?: SubmissionApi;
  baseDir?: string;
  /** The campaign's calling rules (patch 'calling-rules'): numbers on a suppression list end SUPPRESSED instead of staged; a zone attribute must name a zone. */
  rules?: SendRules;
  /** Called every thousand entries and at the end; the activity heartbeats from it. */
  onProgress?: (entriesRead: number) => void;
}

/**
 * Stages a dial list into the campaign store once per campaign, streaming: entries are
 * validated and inserted a chunk at a time, so a million-entry list stages in bounded
 * memory. Duplicate RequestIdentifiers are found by the store (its index on the id), a chunk
 * at a time, not in a map of every id in the process (≈100 MB at a million). The summary is
 * written last and marks the work done: a retried activity finds it and returns it; one that
 * died half-way stages again, and the rows it already wrote are kept as they are (the same
 * list gives the same rows).
 */
export async function stageDialList(args: StageArgs): Promise<StagingSummary> {
  const existing = await args.store.stagingSummary(args.campaignKey);
  if (existing) return existing;

  const counts = { total: 0, valid: 0, rejected: 0, suppressed: 0 };
  const reasons = new RejectionTally();
  let candidates: Candidate[] = [];
  let rejected: OutcomeRecord[] = [];

  const reject = async (record: OutcomeRecord, rejection: EntryRejection): Promise<void> => {
    counts.rejected++;
    reasons.add(rejection, record.index);
    rejected.push(record);
    if (rejected.length >= REJECTED_CHUNK) {
      await args.store.recordOutcomes(args.campaignKey, rejected);
      rejected = [];
    }
  };
  /** Stages the valid entries read so far, each unless an earlier entry holds its id. */
  const stageCandidates = async (): Promise<void> => {
    const firstInStore = await args.store.firstStagedIndices(
      args.campaignKey,
      candidates.map((c) => c.staged.entry.RequestIdentifier),
    );
    const firstInChunk = new Map<string, number>();
    const staged: StagedEntry[] = [];
    for (const candidate of candidates) {
      const { index, entry } = candidate.staged;
      const id = entry.RequestIdentifier;
      const stored = firstInStore.get(id);
      // The entry itself when a staging that died half-way staged it already.
      const first = stored !== undefined && stored < index ? stored : firstInChunk.get(id);
      if (first !== undefined) {
        const duplicate = duplicateOf(candidate, first);
        await reject(duplicate.record, duplicate.rejection);
        continue;
      }
      // Only staged entries claim an id, so a bad entry never blocks a good one with the same id.
      firstInChunk.set(id, index);
      staged.push(candidate.staged);
    }
    const suppressed = args.rules?.suppression
      ? await args.store.suppressedAmong(
          staged.flatMap((s) => s.entry.CustomerEndpoint?.Address ?? []),
          rulesNow(args.rules),
        )
      : new Map<string, string>();
    const records: OutcomeRecord[] = [];
    const kept = staged.filter((s) => {
      const list = suppressed.get(s.entry.CustomerEndpoint?.Address ?? '');
      if (list !== undefined) records.push(suppressedRecord(s, list, 'when the dial list was staged'));
      return list === undefined;
    });
    counts.valid += kept.length;
    counts.suppressed += records.length;
    // Only when a number was suppressed: a list without calling rules stages with the same writes as before.
    if (records.length > 0) await args.store.recordOutcomes(args.campaignKey, records);
    await args.store.stageEntries(args.campaignKey, kept);
    candidates = [];
  };

  for await (const raw of readDialListSource(args.source, { baseDir: args.baseDir })) {
    const index = counts.total++;
    const result = checkTimeZone(checkStagedEntry(raw, index, args.defaults, args.validation, args.api), args.rules);
    if ('rejection' in result) {
      await reject(result.record, result.rejection);
    } else {
      candidates.push(result);
      if (candidates.length >= STAGED_CHUNK) await stageCandidates();
    }
    if (counts.total % PROGRESS_EVERY === 0) args.onProgress?.(counts.total);
  }
  await stageCandidates();
  await args.store.recordOutcomes(args.campaignKey, rejected);
  args.onProgress?.(counts.total);

  const { suppressed, ...rest } = counts;
  const summary: StagingSummary = { ...rest, ...(args.rules ? { suppressed } : {}), commonRejection: reasons.mostFrequent() };
  await args.store.saveStagingSummary(args.campaignKey, summary);
  return summary;
}

type Rejected = { rejection: EntryRejection; record: OutcomeRecord };
/** A valid entry waiting for the duplicate check; `generated` when its RequestIdentifier is its row's. */
type Candidate = { staged: StagedEntry; generated: boolean };

function rejectedEntry(requestIdentifier: string, index: number, rejection: EntryRejection): Rejected {
  return { rejection, record: { requestIdentifier, index, outcome: 'REJECTED', field: rejection.field, message: rejection.reason } };
}

/** The entry as it would be staged (its id given or generated), or why it is REJECTED and the outcome that replaces it. */
function checkStagedEntry(
  raw: unknown,
  index: number,
  defaults: ContactDefaults,
  validation: ValidationSettings | undefined,
  api: SubmissionApi | undefined,
): Candidate | Rejected {
  const rowId = generatedId(index);
  if (isMalformed(raw)) return rejectedEntry(rowId, index, { code: 'MALFORMED_LINE', field: '(entry)', reason: raw.__malformed });
  const check = checkEntry(raw, defaults, validation, api);
  if (!check.ok) return rejectedEntry(givenId(raw) ?? rowId, index, check.rejection);
  return { staged: { index, entry: { RequestIdentifier: check.entry.RequestIdentifier ?? rowId, ...check.entry } }, generated: check.entry.RequestIdentifier === undefined };
}

/** With a calling window, an entry whose zone attribute names no zone is REJECTED naming the attribute (an empty one is no zone: the number or default tells). */
function checkTimeZone(result: Candidate | Rejected, rules: SendRules | undefined): Candidate | Rejected {
  const attribute = rules?.window?.timeZoneAttribute;
  if (!attribute || 'rejection' in result) return result;
  const zone = result.staged.entry.Attributes?.[attribute]?.trim();
  if (!zone || isKnownTimeZone(zone)) return result;
  return rejectedEntry(result.staged.entry.RequestIdentifier, result.staged.index, {
    code: 'INVALID_ATTRIBUTE_VALUE',
    field: `Attributes.${attribute}`,
    reason: unknownZoneReason('', zone),
  });
}

/** A valid entry whose RequestIdentifier an earlier entry (at index `first`) holds: REJECTED, named by that row. */
function duplicateOf(candidate: Candidate, first: number): Rejected {
  const { index, entry } = candidate.staged;
  const id = entry.RequestIdentifier;
  const generated = candidate.generated ? ' (generated because the entry has none)' : '';
  return rejectedEntry(id, index, {
    code: 'DUPLICATE_REQUEST_IDENTIFIER',
    field: 'RequestIdentifier',
    reason: `"${id}"${generated} is already the RequestIdentifier of row ${first + 1}; the first entry with an id is kept`,
  });
}

/** The RequestIdentifier of an entry that has none: its row. */
function generatedId(index: number): string {
  return `row-${index + 1}`;
}

/** Rejections counted per rule and field, for the summary's commonRejection. */
class RejectionTally {
  // Attribute fields carry their key: bound the kinds kept for a list with many different bad keys.
  private static readonly MAX_KINDS = 1000;
  private readonly kinds = new Map<string, NonNullable<StagingSummary['commonRejection']>>();

  add(rejection: EntryRejection, index: number): void {
    const key = `${rejection.code} ${rejection.field}`;
    const kind = this.kinds.get(key);
    if (kind) kind.count++;
    else if (this.kinds.size < RejectionTally.MAX_KINDS) this.kinds.set(key, { ...rejection, firstIndex: index, count: 1 });
  }

  /** The kind with the most entries; of equals, the one first in the list (duplicates are counted a chunk late). */
  mostFrequent(): StagingSummary['commonRejection'] {
    let best: StagingSummary['commonRejection'];
    for (const kind of this.kinds.values()) if (!best || kind.count > best.count || (kind.count === best.count && kind.firstIndex < best.firstIndex)) best = kind;
    return best && { ...best };
  }
}

function givenId(raw: unknown): string | undefined {
  const id = typeof raw === 'object' && raw !== null ? (raw as { RequestIdentifier?: unknown }).RequestIdentifier : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
