import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dialListFormats, formatFromPath, type CsvColumns, type DialListEncoding, type DialListFormat, type DialListSource } from '../domain/campaign';
import type { DialEntry } from '../domain/contact-entry';
import { csvRecords } from './csv-records';
import { EncodingError, fileLineBatches, fileLines, fileText } from './dial-list-lines';

/** A dial list that cannot be read at all (as opposed to one bad entry, which is REJECTED). */
export class DialListError extends Error {
  override readonly name = 'DialListError';
  /** The member of the DialListSource at fault: `path`, `format`, `encoding`, `columns` or `columns.phoneNumber`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Stands in for a line that could not be parsed, so staging REJECTS it instead of failing the list. */
export interface MalformedLine {
  __malformed: string;
}

export function isMalformed(x: unknown): x is MalformedLine {
  return typeof x === 'object' && x !== null && typeof (x as { __malformed?: unknown }).__malformed === 'string';
}

/** Phone columns accepted when the configured one is absent. */
const PHONE_ALTERNATIVES = ['CustomerEndpoint', 'Phone'];

/**
 * The raw entries of a dial list, in order. CSV and JSONL files are streamed; a JSON file
 * (the AWS CLI's `--contact-data-request-list` or `--cli-input-json` shape) is read into
 * memory whole, so very large lists belong in CSV or JSONL. A file is UTF-8 (a BOM is
 * allowed) unless the source says latin1. A bad line yields a MalformedLine in its place;
 * only a file that cannot be read at all throws a DialListError, on the first iteration
 * step or, for bytes that are not UTF-8, where they are found.
 */
export async function* readDialListSource(source: DialListSource, opts?: { baseDir?: string }): AsyncIterable<unknown> {
  if (source.kind === 'inline') {
    yield* source.entries;
    return;
  }
  const format = source.format ?? formatFromPath(source.path);
  if (!format) {
    throw new DialListError(
      'format',
      `cannot tell the format of dial list "${source.path}" from its extension; use a .csv, .json or .jsonl file or set format to one of: ${dialListFormats.join(', ')}`,
    );
  }
  const file = resolve(opts?.baseDir ?? process.cwd(), source.path);
  await assertReadableFile(file, source.path);
  try {
    yield* readers[format](file, source.columns, source.encoding ?? 'utf8');
  } catch (err) {
    if (err instanceof EncodingError) throw new DialListError('encoding', err.message);
    throw err;
  }
}

const readers: Record<DialListFormat, (file: string, columns: CsvColumns, encoding: DialListEncoding) => AsyncIterable<unknown>> = {
  csv: readCsv,
  jsonl: (file, _columns, encoding) => readJsonl(file, encoding),
  json: (file, _columns, encoding) => readJsonArray(file, encoding),
};

/**
 * The header of a CSV dial list as the worker will read it, for checks before a campaign
 * starts; undefined when this process cannot read the file (the worker may see another one).
 */
export async function peekCsvHeader(source: Extract<DialListSource, { kind: 'file' }>, opts?: { baseDir?: string }): Promise<CsvLayout | undefined> {
  const file = resolve(opts?.baseDir ?? process.cwd(), source.path);
  try {
    await assertReadableFile(file, source.path);
    for await (const record of csvRecords(fileLineBatches(file, source.encoding ?? 'utf8'), () => undefined)) {
      return 'fields' in record ? csvLayout(record.fields, source.columns, file) : undefined;
    }
  } catch {
    // Whatever is wrong with the file, the worker reports it with the campaign.
  }
  return undefined;
}

async function assertReadableFile(file: string, given: string): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new DialListError('path', `dial list "${file}" is not a file`);
  } catch (err) {
    if (err instanceof DialListError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DialListError(
        'path',
        `dial list not found: ${file} (given as "${given}"). The path is read by the worker: make it absolute or relative to the worker's working directory, and make sure the worker's machine can see the file.`,
      );
    }
    throw new DialListError('path', `cannot read dial list ${file}: ${(err as Error).message}`);
  }
}

async function* readCsv(file: string, columns: CsvColumns, encoding: DialListEncoding): AsyncIterable<unknown> {
  let layout: CsvLayout | undefined;
  for await (const record of csvRecords(fileLineBatches(file, encoding), () => layout?.headers.length)) {
    if (!layout) {
      if ('malformed' in record) throw new DialListError('path', `dial list ${file} has a header row that is not valid CSV: line ${record.line}: ${record.malformed}`);
      layout = csvLayout(record.fields, columns, file);
      continue;
    }
    yield 'malformed' in record ? ({ __malformed: `line ${record.line}: ${record.malformed}` } satisfies MalformedLine) : csvEntry(record.fields, layout);
  }
  if (!layout) throw new DialListError('path', `dial list ${file} is empty: a CSV dial list needs a header row`);
}

export interface CsvLayout {
  headers: string[];
  requestIdentifier: number;
  phoneNumber: number;
  queueId: number;
}

function csvLayout(header: string[], columns: CsvColumns, file: string): CsvLayout {
  const headers = header.map((h) => h.trim());
  const repeated = headers.find((h, i) => h !== '' && headers.indexOf(h) !== i);
  if (repeated !== undefined) {
    throw new DialListError('columns', `dial list ${file} has two columns named "${repeated}"; each column needs its own name`);
  }
  const phoneNumber = findColumn(headers, [columns.phoneNumber, ...PHONE_ALTERNATIVES]);
  if (phoneNumber < 0) {
    const found = headers.length > 0 ? headers.map((h) => `"${h}"`).join(', ') : '(none)';
    throw new DialListError(
      'columns.phoneNumber',
      `dial list ${file} has no phone number column "${columns.phoneNumber}" (nor ${PHONE_ALTERNATIVES.map((a) => `"${a}"`).join(' or ')}); its header has ${found}. Rename the column or set columns.phoneNumber.`,
    );
  }
  return {
    headers,
    phoneNumber,
    requestIdentifier: findColumn(headers, [columns.requestIdentifier]),
    queueId: findColumn(headers, [columns.queueId]),
  };
}

/** The first exact match of any name in order, else the first case-insensitive one; -1 when none. */
function findColumn(headers: readonly string[], names: readonly string[]): number {
  for (const name of names) {
    const i = headers.indexOf(name);
    if (i >= 0) return i;
  }
  for (const name of names) {
    const lower = name.toLowerCase();
    const i = headers.findIndex((h) => h.toLowerCase() === lower);
    if (i >= 0) return i;
  }
  return -1;
}

function csvEntry(record: readonly string[], layout: CsvLayout): DialEntry {
  const entry: DialEntry = {};
  const attributes: Record<string, string> = {};
  layout.headers.forEach((header, i) => {
    const value = record[i];
    if (value === undefined || value === '' || header === '') return;
    if (i === layout.requestIdentifier) entry.RequestIdentifier = value;
    else if (i === layout.phoneNumber) entry.CustomerEndpoint = { Type: 'TELEPHONE_NUMBER', Address: value };
    else if (i === layout.queueId) entry.QueueId = value;
    else attributes[header] = value;
  });
  if (Object.keys(attributes).length > 0) entry.Attributes = attributes;
  return entry;
}

async function* readJsonl(file: string, encoding: DialListEncoding): AsyncIterable<unknown> {
  for await (const { text, line } of fileLines(file, encoding)) {
    if (text.trim() === '') continue;
    try {
      yield JSON.parse(text) as unknown;
    } catch (err) {
      yield { __malformed: `line ${line}: is not JSON: ${(err as Error).message}` } satisfies MalformedLine;
    }
  }
}

async function* readJsonArray(file: string, encoding: DialListEncoding): AsyncIterable<unknown> {
  const text = await fileText(file, encoding);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DialListError('path', `dial list ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { ContactDataRequestList?: unknown } | null)?.ContactDataRequestList;
  if (!Array.isArray(list)) {
    throw new DialListError(
      'path',
      `dial list ${file} must hold a JSON array of contact entries (the AWS CLI's --contact-data-request-list) or an object with a "ContactDataRequestList" array (--cli-input-json)`,
    );
  }
  yield* list as unknown[];
}
