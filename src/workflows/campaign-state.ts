import type { BatchItem, LaneItem } from '../domain/batch-assembly';
import type { CampaignSpec } from '../domain/campaign';
import type { ConnectQueues } from '../domain/connect-queues';
import type { CarriedAnswers } from '../domain/deflection-answers';
import { emptyOutcomeCounts, type OutcomeCounts } from '../domain/outcome';
import { initialPace, type PaceState } from '../domain/pace';
import type { StagingSummary } from '../domain/staging-summary';

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

/**
 * A batch Connect refused as a whole (403, 404, or credentials whose retries ran out) while
 * the campaign paused: sent again under its own sequence number, so with its own client token,
 * when the campaign resumes. Had an earlier attempt of it been accepted, Connect answers the
 * resend with the contacts it created (invariant 1), never a second call.
 */
export interface HeldBatch {
  seq: number;
  items: BatchItem[];
}

/** The staging summary's counts, carried (its commonRejection is only needed once). */
export type StagedSummary = Pick<StagingSummary, 'total' | 'valid' | 'rejected'>;

/**
 * Where the campaign stands. One value, so that no two flags can disagree: a campaign is
 * running, paused (by an operator, or by itself while its Outbound Campaigns v2 campaign is
 * not running or while Connect refuses its calls), cancelling (graceful: in-flight work
 * finishes, the rest becomes CANCELLED) or failing (a dial list that cannot be read, every
 * entry rejected; Connect refusing access, for campaigns from before 'pause-on-connect-refusal').
 */
export type Phase =
  | { name: 'running' }
  | {
      name: 'paused';
      reason?: string;
      waitingForV2Campaign?: string;
      /** The failure type with which Connect refused the campaign's calls (403, 404, credentials): an operator fixes it and resumes. */
      connectRefused?: string;
    }
  | { name: 'cancelling'; reason: string }
  | { name: 'failing'; reason: string; code: string };

/** The shape of CarriedState; a run refuses a carried state of another version. */
export const CARRIED_STATE_VERSION = 2;

/**
 * Everything a campaign must remember across continue-as-new (invariant 2): a cursor into
 * the staged list, counters, and bounded queues of entry indices, never the entries
 * themselves (invariant 5). Versioned: a change of shape bumps CARRIED_STATE_VERSION and
 * goes behind patched() (CONTRIBUTING.md).
 */
export interface CarriedState {
  version: typeof CARRIED_STATE_VERSION;
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
  phase: Phase;
  /** Deflections ready to send. */
  deflections: PendingDeflection[];
  /** Every RequestIdentifier ever accepted for deflection: a repeat sends nothing. */
  deflectionIds: string[];
  /** Deflected entries still in the unread part of the list: dropped from the voice path when read. */
  skipIndices: number[];
  /** Where this campaign's Connect calls go, as the worker that started it said. */
  connectQueues?: ConnectQueues;
  /** Answers to deflections, kept for the callers that wait on them (bounded). */
  answers?: CarriedAnswers;
  /** Batches held while Connect refuses the campaign's calls (at most batchesInFlight), sent first on resume. */
  heldBatches?: HeldBatch[];
}

export interface CampaignInput {
  spec: CampaignSpec;
  carried?: CarriedState;
}

export function initialState(startedAtMs: number): CarriedState {
  return {
    version: CARRIED_STATE_VERSION,
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
    phase: { name: 'running' },
    deflections: [],
    deflectionIds: [],
    skipIndices: [],
  };
}

/** The carried state of a continued run, checked: a state of another shape is a defect, said plainly. */
export function carriedOrInitial(carried: CarriedState | undefined, now: number): CarriedState {
  if (!carried) return initialState(now);
  const version: unknown = (carried as { version?: unknown }).version;
  if (version !== CARRIED_STATE_VERSION) {
    throw new Error(`carried state version ${JSON.stringify(version)} is not ${CARRIED_STATE_VERSION}: this worker cannot continue that run`);
  }
  return carried;
}

export function countFailureCode(state: CarriedState, code: string, n = 1): void {
  state.byFailureCode[code] = (state.byFailureCode[code] ?? 0) + n;
}
