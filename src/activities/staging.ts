import type { DialListSource, SubmissionApi, ValidationSettings } from '../domain/campaign';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import { checkEntry, type EntryRejection } from '../domain/entry-validation';
import type { OutcomeRecord } from '../domain/outcome';
import type { StagingSummary } from '../domain/staging-summary';
import type { CampaignStore } from '../storage/campaign-store';
import { isMalformed, readDialListSource } from './dial-list-reader';

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
  /** Called every thousand entries and at the end; the activity heartbeats from it. */
  onProgress?: (entriesRead: number) => void;
}

/**
 * Stages a dial list into the campaign store once per campaign, streaming: entries are
 * validated and inserted a chunk at a time, so a million-entry list stages in bounded
 * memory. The summary is written last and marks the work done: a retried activity finds it
 * and returns it; one that died half-way stages again, and the rows it already wrote are
 * kept as they are (the same list gives the same rows).
 */
export async function stageDialList(args: StageArgs): Promise<StagingSummary> {
  const existing = await args.store.stagingSummary(args.campaignKey);
  if (existing) return existing;

  const counts = { total: 0, valid: 0, rejected: 0 };
  const reasons = new RejectionTally();
  // First index that used each id: duplicates are named by the row they repeat.
  const seen = new Map<string, number>();
  let staged: StagedEntry[] = [];
  let rejected: OutcomeRecord[] = [];

  for await (const raw of readDialListSource(args.source, { baseDir: args.baseDir })) {
    const index = counts.total++;
    const result = stageEntry(raw, index, args.defaults, args.validation, args.api, seen);
    if ('rejection' in result) {
      counts.rejected++;
      reasons.add(result.rejection, index);
      rejected.push(result.record);
      if (rejected.length >= REJECTED_CHUNK) {
        await args.store.recordOutcomes(args.campaignKey, rejected);
        rejected = [];
      }
    } else {
      counts.valid++;
      staged.push(result);
      if (staged.length >= STAGED_CHUNK) {
        await args.store.stageEntries(args.campaignKey, staged);
        staged = [];
      }
    }
    if (counts.total % PROGRESS_EVERY === 0) args.onProgress?.(counts.total);
  }
  await args.store.stageEntries(args.campaignKey, staged);
  await args.store.recordOutcomes(args.campaignKey, rejected);
  args.onProgress?.(counts.total);

  const summary: StagingSummary = { ...counts, commonRejection: reasons.mostFrequent() };
  await args.store.saveStagingSummary(args.campaignKey, summary);
  return summary;
}

/** The staged entry, or why it is REJECTED and the outcome that replaces it. */
function stageEntry(
  raw: unknown,
  index: number,
  defaults: ContactDefaults,
  validation: ValidationSettings | undefined,
  api: SubmissionApi | undefined,
  seen: Map<string, number>,
): StagedEntry | { rejection: EntryRejection; record: OutcomeRecord } {
  const rowId = `row-${index + 1}`;
  const rejected = (requestIdentifier: string, rejection: EntryRejection) => ({
    rejection,
    record: { requestIdentifier, index, outcome: 'REJECTED' as const, field: rejection.field, message: rejection.reason },
  });
  if (isMalformed(raw)) return rejected(rowId, { code: 'MALFORMED_LINE', field: '(entry)', reason: raw.__malformed });

  const check = checkEntry(raw, defaults, validation, api);
  if (!check.ok) return rejected(givenId(raw) ?? rowId, check.rejection);
  const requestIdentifier = check.entry.RequestIdentifier ?? rowId;
  const first = seen.get(requestIdentifier);
  if (first !== undefined) {
    const generated = check.entry.RequestIdentifier === undefined ? ' (generated because the entry has none)' : '';
    return rejected(requestIdentifier, {
      code: 'DUPLICATE_REQUEST_IDENTIFIER',
      field: 'RequestIdentifier',
      reason: `"${requestIdentifier}"${generated} is already the RequestIdentifier of row ${first + 1}; the first entry with an id is kept`,
    });
  }
  // Only staged entries claim an id, so a bad entry never blocks a good one with the same id.
  seen.set(requestIdentifier, index);
  return { index, entry: { RequestIdentifier: requestIdentifier, ...check.entry } };
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

  /** The kind with the most entries; of equals, the one seen first. */
  mostFrequent(): StagingSummary['commonRejection'] {
    let best: StagingSummary['commonRejection'];
    for (const kind of this.kinds.values()) if (!best || kind.count > best.count) best = kind;
    return best && { ...best };
  }
}

function givenId(raw: unknown): string | undefined {
  const id = typeof raw === 'object' && raw !== null ? (raw as { RequestIdentifier?: unknown }).RequestIdentifier : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
