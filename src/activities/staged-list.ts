import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { stagedEntrySchema, type StagedEntry } from '../domain/contact-entry';

/** The validated spool that staging writes and the workflow reads a page at a time. */
export const STAGED_LIST_FILE = 'staged.jsonl';

export interface StagedPage {
  entries: StagedEntry[];
  /** Byte offset of the first entry not in this page: the workflow's cursor. */
  nextOffset: number;
  done: boolean;
}

const NEWLINE = 0x0a;
const PAGE_CHUNK_BYTES = 64 * 1024;
const SCAN_CHUNK_BYTES = 1024 * 1024;

/** Up to `maxEntries` entries from byte `offset`, reading only the bytes they need. */
export async function readStagedPage(dir: string, offset: number, maxEntries: number): Promise<StagedPage> {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, not ${maxEntries}`);
  const entries: StagedEntry[] = [];
  let nextOffset = offset;
  const file = stagedListPath(dir);
  for await (const line of stagedLines(file, offset, PAGE_CHUNK_BYTES)) {
    entries.push(parseStaged(line.text, file, line.offset));
    nextOffset = line.end;
    if (entries.length >= maxEntries) break;
  }
  const size = await fileSize(file);
  return { entries, nextOffset, done: nextOffset >= size };
}

/** The staged entries with these ids, with the byte offset of each one's line; one pass over the spool. */
export async function findStagedEntries(
  dir: string,
  requestIdentifiers: readonly string[],
): Promise<Map<string, StagedEntry & { offset: number }>> {
  const wanted = new Set(requestIdentifiers);
  const found = new Map<string, StagedEntry & { offset: number }>();
  if (wanted.size === 0) return found;
  const file = stagedListPath(dir);
  for await (const line of stagedLines(file, 0, SCAN_CHUNK_BYTES)) {
    const id = stagedId(line.text);
    if (id === undefined || !wanted.has(id) || found.has(id)) continue;
    found.set(id, { ...parseStaged(line.text, file, line.offset), offset: line.offset });
    if (found.size === wanted.size) break;
  }
  return found;
}

/** Calls `fn` for every staged entry from byte `fromOffset` to the end, in order; returns how many. */
export async function forEachStagedEntry(dir: string, fromOffset: number, fn: (e: StagedEntry) => void | Promise<void>): Promise<number> {
  const file = stagedListPath(dir);
  let count = 0;
  for await (const line of stagedLines(file, fromOffset, SCAN_CHUNK_BYTES)) {
    await fn(parseStaged(line.text, file, line.offset));
    count++;
  }
  return count;
}

export function stagedListPath(dir: string): string {
  return join(dir, STAGED_LIST_FILE);
}

interface Line {
  text: string;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past its newline: where the next line starts. */
  end: number;
}

/**
 * The lines of `file` from byte `from`, split on bytes rather than characters so offsets
 * stay exact whatever UTF-8 the entries hold. Reads `chunkBytes` at a time.
 */
async function* stagedLines(file: string, from: number, chunkBytes: number): AsyncIterable<Line> {
  if (!Number.isInteger(from) || from < 0) throw new RangeError(`offset must be a non-negative integer, not ${from}`);
  const fh = await openStaged(file);
  try {
    const size = (await fh.stat()).size;
    if (from > size) throw new RangeError(`offset ${from} is past the end of ${file} (${size} bytes)`);
    if (from > 0) {
      // A cursor must point at a line start; anything else means a corrupted or foreign cursor.
      const { buffer } = await fh.read(Buffer.alloc(1), 0, 1, from - 1);
      if (buffer[0] !== NEWLINE) throw new RangeError(`offset ${from} is not the start of a line in ${file}`);
    }
    let pending = Buffer.alloc(0);
    let pendingOffset = from;
    let position = from;
    const chunk = Buffer.alloc(chunkBytes);
    while (position < size) {
      const { bytesRead } = await fh.read(chunk, 0, chunkBytes, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = pending.length > 0 ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(NEWLINE, start); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
        const offset = pendingOffset + start;
        if (nl > start) yield { text: data.toString('utf8', start, nl), offset, end: pendingOffset + nl + 1 };
        start = nl + 1;
      }
      // Copied: `chunk` is reused by the next read.
      pending = Buffer.from(data.subarray(start));
      pendingOffset += start;
    }
    // Staging ends every line with a newline; a tail without one is still a line.
    if (pending.length > 0) yield { text: pending.toString('utf8'), offset: pendingOffset, end: pendingOffset + pending.length };
  } finally {
    await fh.close();
  }
}

async function openStaged(file: string) {
  try {
    return await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the dial list is not staged: ${file} does not exist`);
    throw err;
  }
}

async function fileSize(file: string): Promise<number> {
  const fh = await openStaged(file);
  try {
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

/** Staging writes the id first, so the lookup reads one JSON string instead of parsing every line. */
const LEADING_ID = /^\{"index":\d+,"entry":\{"RequestIdentifier":("(?:[^"\\]|\\.)*")/;

function stagedId(text: string): string | undefined {
  const token = LEADING_ID.exec(text)?.[1];
  const id: unknown = token !== undefined ? JSON.parse(token) : (JSON.parse(text) as { entry?: { RequestIdentifier?: unknown } }).entry?.RequestIdentifier;
  return typeof id === 'string' ? id : undefined;
}

function parseStaged(text: string, file: string, offset: number): StagedEntry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} at byte ${offset} is not JSON: ${(err as Error).message}`);
  }
  const parsed = stagedEntrySchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file} at byte ${offset} is not a staged entry: ${parsed.error.message}`);
  return parsed.data;
}
