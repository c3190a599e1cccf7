import { resolve } from 'node:path';
import type { OutcomeRecord } from '../domain/outcome';
import { writeFileAtomic } from './atomic-file';
import type { CampaignStore } from './campaign-store';

export type ReportFormat = 'csv' | 'jsonl';

const CSV_COLUMNS: readonly [string, (r: OutcomeRecord) => string | number | undefined][] = [
  ['RequestIdentifier', (r) => r.requestIdentifier],
  ['Index', (r) => r.index],
  ['Outcome', (r) => r.outcome],
  ['ContactId', (r) => r.contactId],
  ['RelatedContactId', (r) => r.relatedContactId],
  ['FailureCode', (r) => r.failureCode],
  ['Field', (r) => r.field],
  ['Message', (r) => r.message],
];

/** With call outcomes the report tells what happened on the calls too. */
const CALL_CSV_COLUMNS: typeof CSV_COLUMNS = [
  ['Disposition', (r) => r.disposition],
  ['Attempts', (r) => r.attempts],
];

const CHUNK_CHARS = 64 * 1024;

/** The records as report text, in chunks of about 64 KiB; `calls` adds the Disposition and Attempts columns. */
export async function* formatReport(records: AsyncIterable<OutcomeRecord>, format: ReportFormat, options: { calls?: boolean } = {}): AsyncIterable<string> {
  const columns = options.calls === true ? [...CSV_COLUMNS, ...CALL_CSV_COLUMNS] : CSV_COLUMNS;
  const line = format === 'csv' ? (r: OutcomeRecord) => csvLine(r, columns) : (r: OutcomeRecord) => JSON.stringify(r) + '\n';
  let chunk = format === 'csv' ? columns.map(([name]) => name).join(',') + '\n' : '';
  for await (const r of records) {
    chunk += line(r);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Writes the campaign's outcomes to `path` (atomically, so a reader never sees half a report). */
export async function writeReport(campaignKey: string, store: CampaignStore, path: string, format: ReportFormat): Promise<{ path: string; records: number }> {
  let records = 0;
  const calls = await store.hasCallResults(campaignKey);
  async function* counted(): AsyncIterable<OutcomeRecord> {
    for await (const r of store.outcomes(campaignKey, { calls })) {
      records++;
      yield r;
    }
  }
  const target = resolve(path);
  await writeFileAtomic(target, formatReport(counted(), format, { calls }));
  return { path: target, records };
}

function csvLine(r: OutcomeRecord, columns: typeof CSV_COLUMNS): string {
  return columns.map(([, get]) => csvField(get(r))).join(',') + '\n';
}

/**
 * RFC 4180 quoting. No CSV writer is installed (only csv-parse), and quoting is the
 * whole of what is needed here.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
