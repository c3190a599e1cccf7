import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DialListSource, SubmissionApi, ValidationSettings } from '../domain/campaign';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import { checkEntry, rejectionCodes, type EntryRejection } from '../domain/entry-validation';
import type { OutcomeRecord } from '../domain/outcome';
import { writeFileAtomic } from './campaign-files';
import { isMalformed, readDialListSource } from './dial-list-reader';
import type { OutcomeStore } from './outcome-store';
import { stagedListPath } from './staged-list';

const stagingSummarySchema = z.object({
  total: z.number().int().min(0),
  valid: z.number().int().min(0),
  rejected: z.number().int().min(0),
  /** Size of staged.jsonl. */
  bytes: z.number().int().min(0),
  /**
   * The most frequent reason for REJECTED, when any entry was: its rule (`code`), the field,
   * the reason given for the first entry it rejected (the index of that entry) and how many
   * entries it rejected. When `count` equals `total`, one mistake (a missing QueueId, the
   * wrong phone column) rejected the whole list.
   */
  commonRejection: z
    .object({
      code: z.enum(rejectionCodes),
      field: z.string(),
      reason: z.string(),
      firstIndex: z.number().int().min(0),
      count: z.number().int().min(1),
    })
    .optional(),
});
export type StagingSummary = z.infer<typeof stagingSummarySchema>;

export const STAGING_SUMMARY_FILE = 'staged.json';

const REJECTED_CHUNK = 10_000;
const PROGRESS_EVERY = 1_000;
const WRITE_CHUNK_CHARS = 256 * 1024;

export interface StageArgs {
  /** campaignDir(dataDir, campaignKey) */
  dir: string;
  source: DialListSource;
  defaults: ContactDefaults;
  /** REJECTED entries are written here under keys rejected-000001, rejected-000002, … */
  outcomes: OutcomeStore;
  /** The workflow id, passed to outcomes.write. */
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
 * Turns a dial list into a validated spool once per campaign, so the workflow reads pages
 * by byte offset and never holds the list. The summary is written last and marks the work
 * done: a retried activity finds it and returns it without reading the list again.
 */
export async function stageDialList(args: StageArgs): Promise<StagingSummary> {
  const summaryPath = join(args.dir, STAGING_SUMMARY_FILE);
  const existing = await readSummary(summaryPath);
  if (existing) return existing;

  const counts = { total: 0, valid: 0, rejected: 0 };
  const reasons = new RejectionTally();
  // First index that used each id: duplicates are named by the row they repeat.
  const seen = new Map<string, number>();
  let rejected: OutcomeRecord[] = [];
  let rejectedChunks = 0;

  async function flushRejected(): Promise<void> {
    rejectedChunks++;
    await args.outcomes.write(args.campaignKey, `rejected-${String(rejectedChunks).padStart(6, '0')}`, rejected);
    rejected = [];
  }

  async function* stagedChunks(): AsyncIterable<string> {
    let chunk = '';
    for await (const raw of readDialListSource(args.source, { baseDir: args.baseDir })) {
      const index = counts.total++;
      const result = stageEntry(raw, index, args.defaults, args.validation, args.api, seen);
      if ('rejection' in result) {
        counts.rejected++;
        reasons.add(result.rejection, index);
        rejected.push(result.record);
        if (rejected.length >= REJECTED_CHUNK) await flushRejected();
      } else {
        counts.valid++;
        chunk += JSON.stringify(result) + '\n';
        if (chunk.length >= WRITE_CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      if (counts.total % PROGRESS_EVERY === 0) args.onProgress?.(counts.total);
    }
    if (chunk) yield chunk;
  }

  const bytes = await writeFileAtomic(stagedListPath(args.dir), stagedChunks());
  if (rejected.length > 0) await flushRejected();
  args.onProgress?.(counts.total);

  const summary: StagingSummary = { ...counts, bytes, commonRejection: reasons.mostFrequent() };
  await writeFileAtomic(summaryPath, [JSON.stringify(summary) + '\n']);
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
  // The id goes first so lookups can read it without parsing the whole line (see staged-list.ts).
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

async function readSummary(path: string): Promise<StagingSummary | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return stagingSummarySchema.parse(JSON.parse(text));
}
