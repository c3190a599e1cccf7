/**
 * What a submission activity and the workflow exchange: entry indices and failure codes
 * only, never contact data (invariant 5). The activity loads the entries from the campaign
 * store and writes the contact ids and Connect's messages there.
 */

/** An entry as it goes into a batch: its index in the dial list and which send this is (1 for the first). */
export type BatchEntry = [index: number, send: number];

export interface BatchFailure {
  index: number;
  /** FailureReasonCode (BatchPutContact) or failureCode (Outbound Campaigns v2). */
  code: string;
}

export interface BatchResult {
  seq: number;
  /** Indices of the entries Connect accepted. */
  created: number[];
  failed: BatchFailure[];
}

/** Code for an entry Connect left out of both response lists: treated as unknown, so retried a few times. */
export const MISSING_FROM_RESPONSE = 'MISSING_FROM_RESPONSE';
