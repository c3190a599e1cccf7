import type { BatchItem, LaneItem } from './batch-assembly';
import { laneNames, type LaneFailures } from './lane-policies';
import { MAX_BATCH_SIZE } from './limits';
import type { Pacing } from './pace';

/**
 * The carried-state budget (invariant 7, docs/architecture.md "Carried-state budget"): what a
 * campaign carries across continue-as-new stays under this many bytes of JSON whatever
 * operators do. Temporal refuses a payload over 2 MB (and warns from 512 KB); a campaign over
 * it can never move again. The parts and their bounds:
 * - entries held in memory (queue, retry lanes, split groups, batches held after Connect
 *   refused them): at most `heldEntriesBound`
 *   (5,000 with the largest pacing), packed at ≤ MAX_PACKED_ENTRY_BYTES each: ≤ 150 KB;
 * - deflection answers: ≤ MAX_CARRIED_ANSWER_BYTES (64 KiB);
 * - counters, cursors, pace, phase (its reason cut to MAX_CARRIED_REASON_LENGTH): ≤ 8 KB.
 * Deflections, their messages and attributes and the dedup set live in the campaign store.
 */
export const CARRIED_STATE_BUDGET_BYTES = 256 * 1024;

/** Entries held in memory at least (queue, lanes, splits and batches in flight together). */
export const MIN_HELD_ENTRIES = 1_000;
/** A lane item or split item packed, at most: 8-digit index, 50 sends, an hour's wait, every lane's failures. */
export const MAX_PACKED_ENTRY_BYTES = 30;
export const MAX_CARRIED_ANSWER_BYTES = 64 * 1024;
export const MAX_CARRIED_REASON_LENGTH = 1_000;

/**
 * Back-pressure: entries the run may hold (queue, lanes, splits and in flight together) before
 * it stops reading pages. Twice what the batches in flight take, so they never starve, and at
 * least MIN_HELD_ENTRIES: 1,000 with the default pacing (4 × 25), 5,000 at most (100 × 25).
 */
export function heldEntriesBound(pacing: Pick<Pacing, 'batchSize' | 'batchesInFlight'>): number {
  return Math.max(MIN_HELD_ENTRIES, 2 * pacing.batchSize * pacing.batchesInFlight);
}

/** The most entries a run can hold with any pacing the schema accepts. */
export const MAX_HELD_ENTRIES = heldEntriesBound({ batchSize: MAX_BATCH_SIZE, batchesInFlight: 100 });

/**
 * Lane items as carried: one string of items separated by ";", each
 * `index,sends,wait,code[,failures per lane…]` in base 36, where wait = notBefore − base and
 * code indexes `codes`; failures follow laneNames' order, trailing zeros dropped. A throttled
 * retry of entry 123,456 on its 3rd send: "2n9c,3,1f4,0,3" (about 15 bytes; 30 at most).
 */
export interface PackedLanes {
  base: number;
  codes: string[];
  items: string;
}

/** Batch items (split groups) as carried: `index,sends[,failures per lane…]` in base 36, ";"-separated. */
export type PackedBatchItems = string;

export function packLanes(lanes: readonly LaneItem[]): PackedLanes {
  const base = lanes.reduce((min, i) => Math.min(min, i.notBefore), lanes[0]?.notBefore ?? 0);
  const codes: string[] = [];
  const items = lanes.map((item) => {
    let code = codes.indexOf(item.lastCode);
    if (code < 0) code = codes.push(item.lastCode) - 1;
    return [item.index, item.attempts, item.notBefore - base, code, ...failureCounts(item.laneFailures)].map(b36).join(',');
  });
  return { base, codes, items: items.join(';') };
}

export function unpackLanes(packed: PackedLanes): LaneItem[] {
  return fields(packed.items).map(([index = 0, attempts = 0, wait = 0, code = 0, ...failures]) => ({
    index,
    attempts,
    ...withFailures(failures),
    lastCode: packed.codes[code] ?? 'UNKNOWN',
    notBefore: packed.base + wait,
  }));
}

export function packBatchItems(items: readonly BatchItem[]): PackedBatchItems {
  return items.map((i) => [i.index, i.attempts, ...failureCounts(i.laneFailures)].map(b36).join(',')).join(';');
}

export function unpackBatchItems(packed: PackedBatchItems): BatchItem[] {
  return fields(packed).map(([index = 0, attempts = 0, ...failures]) => ({ index, attempts, ...withFailures(failures) }));
}

/** Bytes of a string in UTF-8: what a payload of it weighs. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The JSON size of a value in bytes, as Temporal's JSON payload converter writes it. */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? '');
}

function failureCounts(failures: LaneFailures | undefined): number[] {
  const counts = laneNames.map((lane) => failures?.[lane] ?? 0);
  while (counts.length > 0 && counts.at(-1) === 0) counts.pop();
  return counts;
}

function withFailures(counts: number[]): { laneFailures?: LaneFailures } {
  const failures: LaneFailures = {};
  counts.forEach((n, k) => {
    const lane = laneNames[k];
    if (lane && n > 0) failures[lane] = n;
  });
  return Object.keys(failures).length > 0 ? { laneFailures: failures } : {};
}

function fields(packed: string): number[][] {
  return packed === '' ? [] : packed.split(';').map((item) => item.split(',').map((f) => parseInt(f, 36)));
}

function b36(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot pack ${n}: lane items hold non-negative integers`);
  return n.toString(36);
}
