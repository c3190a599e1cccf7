import type { CampaignSpec } from '../domain/campaign';
import type { CarriedAnswers } from '../domain/deflection-answers';
import type { StagedEntry } from '../domain/contact-entry';
import { emptyOutcomeCounts, type OutcomeCounts } from '../domain/outcome';
import { initialPace, type PaceState } from '../domain/pace';
import type { LaneItem, BatchItem } from '../domain/retry-lanes';

/** A contact on its way to SMS. */
export interface PendingDeflection {
  requestIdentifier: string;
  staged: StagedEntry;
  message?: string;
  attributes?: Record<string, string>;
  /**
   * Set when the entry was already CREATED: the voice ContactId, which the SMS names as its
   * RelatedContactId, or on the v2 path the dial request id (not sent: it is no contact id).
   */
  relatedContactId?: string;
}

export interface StagedSummary {
  total: number;
  valid: number;
  rejected: number;
}

/**
 * Everything a campaign must remember across continue-as-new (invariant 2): a cursor into
 * the staged list, counters, and bounded queues, never the list itself.
 */
export interface CarriedState {
  runs: number;
  startedAtMs: number;
  staged?: StagedSummary;
  /** Byte offset of the next unread entry of the staged list. */
  cursor: number;
  listDone: boolean;
  nextSeq: number;
  /** Read from the list, not yet sent. */
  queue: StagedEntry[];
  lanes: LaneItem[];
  /** Groups split off a batch Connect refused as invalid, sent alone to isolate the culprit. */
  splits: BatchItem[][];
  outcomes: OutcomeCounts;
  byFailureCode: Record<string, number>;
  batchesSent: number;
  retries: number;
  pace: PaceState;
  paused: boolean;
  pauseReason?: string;
  cancelReason?: string;
  /** Deflections ready to send. */
  deflections: PendingDeflection[];
  /** Every RequestIdentifier ever accepted for deflection: a repeat sends nothing. */
  deflectionIds: string[];
  /** Deflected entries still in the unread part of the list: dropped from the voice path when read. */
  skipIds: string[];
  /** Why the campaign paused itself: its Outbound Campaigns v2 campaign is not running (asked again on a timer). */
  waitingForV2Campaign?: string;
  /** Answers to deflections, kept for the callers that wait on them (bounded). */
  answers?: CarriedAnswers;
}

export interface CampaignInput {
  spec: CampaignSpec;
  carried?: CarriedState;
}

export function initialState(startedAtMs: number): CarriedState {
  return {
    runs: 1,
    startedAtMs,
    cursor: 0,
    listDone: false,
    nextSeq: 1,
    queue: [],
    lanes: [],
    splits: [],
    outcomes: emptyOutcomeCounts(),
    byFailureCode: {},
    batchesSent: 0,
    retries: 0,
    pace: initialPace(),
    paused: false,
    deflections: [],
    deflectionIds: [],
    skipIds: [],
  };
}

export function countFailureCode(state: CarriedState, code: string, n = 1): void {
  state.byFailureCode[code] = (state.byFailureCode[code] ?? 0) + n;
}
