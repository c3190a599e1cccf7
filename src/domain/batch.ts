import type { WaitingCounts } from './waiting';

/**
 * What a submission activity and the workflow exchange: entry indices and failure codes
 * only, never contact data (invariant 5). The activity loads the entries from the campaign
 * store and writes the contact ids and Connect's messages there. Indices travel packed in
 * runs, because every scheduled batch and its answer stay in workflow history: a fresh batch
 * of 25 is `[[1000, 25, 1]]` rather than 25 pairs, and its 25 created entries `[[1000, 25]]`.
 */

/** An entry as it goes into a batch: its index in the dial list and which send this is (1 for the first). */
export type BatchEntry = [index: number, send: number];

/** Consecutive indices with the same send: [first index, how many, send]. */
export type EntryRun = [firstIndex: number, count: number, send: number];

/** Consecutive indices: [first index, how many]. */
export type IndexRun = [firstIndex: number, count: number];

export interface BatchFailure {
  index: number;
  /** FailureReasonCode (BatchPutContact) or failureCode (Outbound Campaigns v2). */
  code: string;
}

export interface BatchResult {
  seq: number;
  /** The entries Connect accepted, packed (unpackIndices). */
  created: IndexRun[];
  failed: BatchFailure[];
  /** Entries not sent because their number was on a suppression list just before the send (SUPPRESSED, recorded by the activity). */
  suppressed?: IndexRun[];
  /** Entries not sent because their calling window was closed: they wait in the campaign store. */
  deferred?: WaitingCounts;
  /** Entries of the batch called before (redials, call outcomes): their outcome stays CREATED whatever this send answers. */
  redials?: IndexRun[];
}

/** Code for an entry Connect left out of both response lists: treated as unknown, so retried a few times. */
export const MISSING_FROM_RESPONSE = 'MISSING_FROM_RESPONSE';

/** [[5,1],[6,1],[7,2],[9,1]] → [[5,2,1],[7,1,2],[9,1,1]]: order kept, runs only where index and send both continue. */
export function packEntries(entries: readonly BatchEntry[]): EntryRun[] {
  const runs: EntryRun[] = [];
  for (const [index, send] of entries) {
    const last = runs.at(-1);
    if (last && last[0] + last[1] === index && last[2] === send) last[1]++;
    else runs.push([index, 1, send]);
  }
  return runs;
}

export function unpackEntries(runs: readonly EntryRun[]): BatchEntry[] {
  return runs.flatMap(([first, count, send]) => Array.from({ length: count }, (_, k): BatchEntry => [first + k, send]));
}

/** [3,4,5,9] → [[3,3],[9,1]], order kept. */
export function packIndices(indices: readonly number[]): IndexRun[] {
  const runs: IndexRun[] = [];
  for (const index of indices) {
    const last = runs.at(-1);
    if (last && last[0] + last[1] === index) last[1]++;
    else runs.push([index, 1]);
  }
  return runs;
}

export function unpackIndices(runs: readonly IndexRun[]): number[] {
  return runs.flatMap(([first, count]) => Array.from({ length: count }, (_, k) => first + k));
}
