import type { CampaignSpec } from '../domain/campaign';
import type { ConnectQueues } from '../domain/connect-queues';
import type { CarriedAnswers } from '../domain/deflection-answers';
import { emptyOutcomeCounts, type OutcomeCounts } from '../domain/outcome';
import { initialPace, type PaceState } from '../domain/pace';
import type { LaneItem, BatchItem } from '../domain/retry-lanes';

/** A contact on its way to SMS. */
export interface PendingDeflection {
  requestIdentifier: string;
  /** The entry's index in the dial list: the chat activity reads the number from the store. */
  index: number;
  message?: string;
  attributes?: Record<string, string>;
  /** The entry was already CREATED: the SMS follows its call (and keeps its voice outcome if the SMS fails). */
  afterCall?: boolean;
}

export interface StagedSummary {
  total: number;
  valid: number;
  rejected: number;
}

/**
 * Everything a campaign must remember across continue-as-new (invariant 2): a cursor into
 * the staged list, counters, and bounded queues of entry indices, never the entries
 * themselves (invariant 5).
 */
export interface CarriedState {
  runs: number;
  startedAtMs: number;
  staged?: StagedSummary;
  /** Index of the next unread entry of the staged list. */
  cursor: number;
  listDone: boolean;
  nextSeq: number;
  /** Indices read from the list, not yet sent. */
  queue: number[];
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
  skipIndices: number[];
  /** Why the campaign paused itself: its Outbound Campaigns v2 campaign is not running (asked again on a timer). */
  waitingForV2Campaign?: string;
  /** Where this campaign's Connect calls go, as the worker that started it said. */
  connectQueues?: ConnectQueues;
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
    skipIndices: [],
  };
}

export function countFailureCode(state: CarriedState, code: string, n = 1): void {
  state.byFailureCode[code] = (state.byFailureCode[code] ?? 0) + n;
}
