import { CsvError, parse, type Options } from 'csv-parse/sync';
import type { TextLine } from './dial-list-lines';

/** One CSV record and the line it starts on, or the line where a record went wrong and why. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; malformed: string };

// The lines come split already; each record is handed over joined with "\n".
const CSV_OPTIONS = { relax_column_count: true, record_delimiter: '\n' } satisfies Options;

/** A record still open after this many characters is taken for an unterminated quote. */
const MAX_RECORD_CHARS = 1024 * 1024;
/** Single-line records are parsed this many characters at a time. */
const BLOCK_CHARS = 256 * 1024;

/**
 * The records of a CSV file, each with the line it starts on, recovering per record: a
 * broken record is reported with the line where it goes wrong and reading carries on.
 *
 * csv-parse alone cannot do that: an unterminated quote on line 52 swallows every line after
 * it and fails at the end of the file. So records are framed here first, by quote parity (a
 * record ends at the first line break after an even number of `"`, since quotes are doubled
 * inside quoted fields), and csv-parse parses each framed record. A record whose quote never
 * closes (by the end of the file, or within MAX_RECORD_CHARS) or whose lines do not parse
 * costs only its first line: the lines after it are framed again as records of their own.
 *
 * `maxFields` answers how many fields a record may have (the header's count, once known); a
 * record with more is malformed.
 */
export async function* csvRecords(source: AsyncIterable<TextLine[]>, maxFields: () => number | undefined): AsyncIterable<CsvRecord> {
  const lines = new LineQueue(source);
  let block: TextLine[] = [];
  let blockChars = 0;

  function* flush(): Iterable<CsvRecord> {
    if (block.length === 0) return;
    const framed = block;
    block = [];
    blockChars = 0;
    const records = tryParse(framed.map((l) => l.text).join('\n'));
    if (records.ok && records.fields.length === framed.length) {
      for (const [i, fields] of records.fields.entries()) yield checked((framed[i] as TextLine).line, fields, maxFields());
      return;
    }
    // Something in the block is not CSV: parse its lines one by one to name each bad one.
    for (const l of framed) {
      const one = tryParse(l.text);
      if (!one.ok) yield { line: l.line, malformed: one.reason };
      else for (const fields of one.fields) yield checked(l.line, fields, maxFields());
    }
  }

  try {
    for (let first = lines.next() ?? (await lines.fill()); first; first = lines.next() ?? (await lines.fill())) {
      if (first.text === '') continue;
      const framed = [first];
      let quotes = quoteCount(first.text);
      let chars = first.text.length;
      while (quotes % 2 === 1 && chars <= MAX_RECORD_CHARS) {
        const more = lines.next() ?? (await lines.fill());
        if (!more) break;
        framed.push(more);
        quotes += quoteCount(more.text);
        chars += more.text.length + 1;
      }
      if (framed.length === 1) {
        block.push(first);
        blockChars += chars;
        if (blockChars >= BLOCK_CHARS) yield* flush();
        continue;
      }
      // A record over several lines (a quoted field with line breaks, or a quote left open): rare, so parsed alone.
      yield* flush();
      const record = quotes % 2 === 0 ? tryParse(joinLines(framed)) : undefined;
      const limit = maxFields();
      const last = (framed.at(-1) as TextLine).line;
      const only = record?.ok && record.fields.length === 1 ? record.fields[0] : undefined;
      if (only && (limit === undefined || only.length <= limit)) {
        yield { line: first.line, fields: only };
        continue;
      }
      const why =
        record === undefined
          ? 'a quoted field opens on this line and is never closed'
          : only
            ? `a quoted field opens on this line and runs to line ${last}, giving ${only.length} fields where the header has ${limit} columns`
            : `a quoted field opens on this line and the record it starts is not valid CSV by line ${last}`;
      yield { line: first.line, malformed: `${why}; the lines after it are read as records of their own` };
      lines.pushBack(framed.slice(1));
    }
    yield* flush();
  } finally {
    // Stopped early (a bad header, a consumer that breaks off): the file is closed all the same.
    await lines.close();
  }
}

function checked(line: number, fields: string[], limit: number | undefined): CsvRecord {
  return limit !== undefined && fields.length > limit ? { line, malformed: `has ${fields.length} fields but the header has ${limit} columns` } : { line, fields };
}

function tryParse(text: string): { ok: true; fields: string[][] } | { ok: false; reason: string } {
  try {
    return { ok: true, fields: parse(text, CSV_OPTIONS) };
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    return { ok: false, reason: csvProblem(err) };
  }
}

function csvProblem(err: CsvError): string {
  switch (err.code) {
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted field has characters after its closing quote (a quote inside a quoted field is written twice: "")';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote in the middle of an unquoted field (quote the whole field and write the quote twice: "a ""b"" c")';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field opens on this line and is never closed';
    default:
      return err.message.replace(/ at line \d+/, '');
  }
}

/** The lines of one record as the file has them, line breaks included. */
function joinLines(lines: readonly TextLine[]): string {
  return lines.map((l, i) => (i < lines.length - 1 ? l.text + l.end : l.text)).join('');
}

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** Lines from a source read a batch at a time, with lines given back read again first. */
class LineQueue {
  private readonly batches: AsyncIterator<TextLine[]>;
  private lines: TextLine[] = [];
  private at = 0;

  constructor(source: AsyncIterable<TextLine[]>) {
    this.batches = source[Symbol.asyncIterator]();
  }

  /** The next line if one is at hand; undefined when the next batch must be read (fill). */
  next(): TextLine | undefined {
    return this.at < this.lines.length ? this.lines[this.at++] : undefined;
  }

  /** Reads batches until a line is at hand and returns it; undefined at the end of the source. */
  async fill(): Promise<TextLine | undefined> {
    while (this.at >= this.lines.length) {
      const r = await this.batches.next();
      if (r.done) return undefined;
      this.lines = r.value;
      this.at = 0;
    }
    return this.next();
  }

  pushBack(lines: TextLine[]): void {
    this.lines = [...lines, ...this.lines.slice(this.at)];
    this.at = 0;
  }

  async close(): Promise<void> {
    await this.batches.return?.();
  }
}
