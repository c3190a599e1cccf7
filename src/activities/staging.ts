import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DialListSource } from '../domain/campaign';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import { checkEntry } from '../domain/entry-validation';
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
      const result = stageEntry(raw, index, args.defaults, seen);
      if ('outcome' in result) {
        counts.rejected++;
        rejected.push(result);
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

  const summary: StagingSummary = { ...counts, bytes };
  await writeFileAtomic(summaryPath, [JSON.stringify(summary) + '\n']);
  return summary;
}

/** The staged entry, or the REJECTED outcome that replaces it. */
function stageEntry(raw: unknown, index: number, defaults: ContactDefaults, seen: Map<string, number>): StagedEntry | OutcomeRecord {
  const rowId = `row-${index + 1}`;
  if (isMalformed(raw)) return { requestIdentifier: rowId, index, outcome: 'REJECTED', field: '(entry)', message: raw.__malformed };

  const check = checkEntry(raw, defaults);
  if (!check.ok) {
    return { requestIdentifier: givenId(raw) ?? rowId, index, outcome: 'REJECTED', field: check.rejection.field, message: check.rejection.reason };
  }
  const requestIdentifier = check.entry.RequestIdentifier ?? rowId;
  const first = seen.get(requestIdentifier);
  if (first !== undefined) {
    const generated = check.entry.RequestIdentifier === undefined ? ' (generated because the entry has none)' : '';
    return {
      requestIdentifier,
      index,
      outcome: 'REJECTED',
      field: 'RequestIdentifier',
      message: `"${requestIdentifier}"${generated} is already the RequestIdentifier of row ${first + 1}; the first entry with an id is kept`,
    };
  }
  // Only staged entries claim an id, so a bad entry never blocks a good one with the same id.
  seen.set(requestIdentifier, index);
  // The id goes first so lookups can read it without parsing the whole line (see staged-list.ts).
  return { index, entry: { RequestIdentifier: requestIdentifier, ...check.entry } };
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
