import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { outcomePrecedence, outcomeRecordSchema, type OutcomeRecord } from '../domain/outcome';
import { campaignDir, isSafeFileName, writeFileAtomic } from './campaign-files';

/** Terminal outcomes, written idempotently per key (invariant 3). */
export interface OutcomeStore {
  /** Writes the records under `key` for the campaign; writing the same key again replaces it (atomic: temp file + rename), so a retried activity never double-counts. */
  write(campaignKey: string, key: string, records: readonly OutcomeRecord[]): Promise<void>;
  /**
   * Every entry's one outcome, merged across keys by outcomePrecedence (DEFLECTED beats
   * CREATED for the same entry), sorted by index when known. Entries are told apart by
   * index, so a repeated RequestIdentifier REJECTED at staging stays its own record and
   * the outcomes add up to the list size.
   */
  readAll(campaignKey: string): AsyncIterable<OutcomeRecord>;
  /**
   * The current outcome of these ids (after the same merge). When a list repeated an id,
   * the staged entry owns it: a non-REJECTED record is preferred, else the REJECTED one
   * with the lowest index — compare `index` with the staged entry's to tell them apart.
   */
  find(campaignKey: string, requestIdentifiers: readonly string[]): Promise<Map<string, OutcomeRecord>>;
}

const OUTCOME_SUFFIX = '.jsonl';
const WRITE_CHUNK_CHARS = 64 * 1024;

/** Files under campaignDir(dataDir, campaignKey)/outcomes/<key>.jsonl, one record a line. */
export function createFileOutcomeStore(dataDir: string): OutcomeStore {
  const outcomesDir = (campaignKey: string): string => join(campaignDir(dataDir, campaignKey), 'outcomes');
  return {
    async write(campaignKey, key, records) {
      assertKey(key);
      await writeFileAtomic(join(outcomesDir(campaignKey), key + OUTCOME_SUFFIX), recordLines(records));
    },
    readAll(campaignKey) {
      return mergedInOrder(readOutcomeFiles(outcomesDir(campaignKey)));
    },
    async find(campaignKey, requestIdentifiers) {
      return findIn(readOutcomeFiles(outcomesDir(campaignKey)), requestIdentifiers);
    },
  };
}

/** The same contract in memory, for unit tests of other modules. */
export function createMemoryOutcomeStore(): OutcomeStore {
  const campaigns = new Map<string, Map<string, OutcomeRecord[]>>();
  const records = (campaignKey: string): OutcomeRecord[] => {
    const keys = campaigns.get(campaignKey);
    return keys ? [...keys.keys()].sort().flatMap((key) => keys.get(key) ?? []) : [];
  };
  return {
    async write(campaignKey, key, list) {
      assertKey(key);
      // Validated and copied here, as the file store would on its round trip.
      const copies = list.map((r) => outcomeRecordSchema.parse(r));
      const keys = campaigns.get(campaignKey) ?? new Map<string, OutcomeRecord[]>();
      campaigns.set(campaignKey, keys.set(key, copies));
      return Promise.resolve();
    },
    readAll: (campaignKey) => mergedInOrder(records(campaignKey)),
    find: (campaignKey, ids) => findIn(records(campaignKey), ids),
  };
}

function assertKey(key: string): void {
  if (!isSafeFileName(key)) {
    throw new Error(`outcome key "${key}" must be 1-200 letters, digits, ".", "_" or "-" (it names a file)`);
  }
}

function* recordLines(records: readonly OutcomeRecord[]): Iterable<string> {
  let chunk = '';
  for (const r of records) {
    chunk += JSON.stringify(r) + '\n';
    if (chunk.length >= WRITE_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Every stored record, key by key in name order (so merges are deterministic). */
async function* readOutcomeFiles(dir: string): AsyncIterable<OutcomeRecord> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names.filter((n) => n.endsWith(OUTCOME_SUFFIX)).sort()) {
    yield* readOutcomeFile(join(dir, name));
  }
}

async function* readOutcomeFile(file: string): AsyncIterable<OutcomeRecord> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line === '') continue;
      let parsed;
      try {
        parsed = outcomeRecordSchema.safeParse(JSON.parse(line));
      } catch (err) {
        throw new Error(`outcome file ${file} line ${lineNo} is not JSON: ${(err as Error).message}`);
      }
      if (!parsed.success) throw new Error(`outcome file ${file} line ${lineNo} is not an outcome record: ${parsed.error.message}`);
      yield parsed.data;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** One outcome per entry: an entry is its index when known, else its RequestIdentifier. */
class OutcomeMerge {
  private readonly byEntry = new Map<string, OutcomeRecord>();

  add(r: OutcomeRecord): void {
    const key = r.index !== undefined ? `#${r.index}` : `id:${r.requestIdentifier}`;
    const prev = this.byEntry.get(key);
    // Ties keep the first (key-name order), so reading twice gives the same answer.
    if (!prev || outcomePrecedence[r.outcome] > outcomePrecedence[prev.outcome]) this.byEntry.set(key, r);
  }

  values(): IterableIterator<OutcomeRecord> {
    return this.byEntry.values();
  }

  /** By index; records without one last, in the order they were first seen. */
  sorted(): OutcomeRecord[] {
    return [...this.byEntry.values()].sort((a, b) => {
      if (a.index === undefined) return b.index === undefined ? 0 : 1;
      if (b.index === undefined) return -1;
      return a.index - b.index;
    });
  }
}

async function* mergedInOrder(records: AsyncIterable<OutcomeRecord> | Iterable<OutcomeRecord>): AsyncIterable<OutcomeRecord> {
  const merge = new OutcomeMerge();
  for await (const r of records) merge.add(r);
  yield* merge.sorted();
}

async function findIn(records: AsyncIterable<OutcomeRecord> | Iterable<OutcomeRecord>, requestIdentifiers: readonly string[]): Promise<Map<string, OutcomeRecord>> {
  const wanted = new Set(requestIdentifiers);
  const merge = new OutcomeMerge();
  for await (const r of records) if (wanted.has(r.requestIdentifier)) merge.add(r);
  const found = new Map<string, OutcomeRecord>();
  for (const r of merge.values()) {
    const prev = found.get(r.requestIdentifier);
    if (!prev || owns(r, prev)) found.set(r.requestIdentifier, r);
  }
  return found;
}

/** Whether `r` rather than `prev` is the outcome of the entry that owns their shared id. */
function owns(r: OutcomeRecord, prev: OutcomeRecord): boolean {
  const rRejected = r.outcome === 'REJECTED';
  const prevRejected = prev.outcome === 'REJECTED';
  // Only staged entries are ever sent, and a staged entry is never REJECTED.
  if (rRejected !== prevRejected) return prevRejected;
  if (!rRejected) return outcomePrecedence[r.outcome] > outcomePrecedence[prev.outcome];
  return (r.index ?? Infinity) < (prev.index ?? Infinity);
}
