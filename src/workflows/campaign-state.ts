import { packIndices, unpackIndices, type IndexRun } from '../domain/batch';
import type { BatchItem, LaneItem } from '../domain/batch-assembly';
import { MAX_CARRIED_REASON_LENGTH, packBatchItems, packLanes, unpackBatchItems, unpackLanes, type PackedBatchItems, type PackedLanes } from '../domain/carried-budget';
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

/** The shape of CarriedState; a run reads this version and converts version 2 (CarriedStateV2). */
export const CARRIED_STATE_VERSION = 3;

/** Deflections as the store holds them: the workflow gives each ready SMS an order, the SMS pump takes them in order. */
export interface DeflectionOrders {
  /** Orders given so far (the last one). */
  ordered: number;
  /** The last order the SMS pump took: deflections after it are still to be sent. */
  taken: number;
}

/**
 * What campaigns of carried-state version 2 carried for their deflections, messages and all;
 * a run that started on that code keeps them in memory (patch 'carried-state-budget'), and
 * the next run moves them to the store.
 */
export interface LegacyDeflections {
  /** Deflections ready to send. */
  deflections: PendingDeflection[];
  /** Every RequestIdentifier ever accepted for deflection: a repeat sends nothing. */
  deflectionIds: string[];
  /** Deflected entries still in the unread part of the list: dropped from the voice path when read. */
  skipIndices: number[];
}

/** What every shape of the campaign's state has in common: cursors, counters, the pace and the phase. */
interface CampaignProgressState {
  runs: number;
  startedAtMs: number;
  staged?: StagedSummary;
  /** Index of the next unread entry of the staged list. */
  cursor: number;
  listDone: boolean;
  nextSeq: number;
  outcomes: OutcomeCounts;
  byFailureCode: Record<string, number>;
  batchesSent: number;
  retries: number;
  pace: PaceState;
  phase: Phase;
  /** Where this campaign's Connect calls go, as the worker that started it said. */
  connectQueues?: ConnectQueues;
  /** Answers to deflections, kept for the callers that wait on them (bounded). */
  answers?: CarriedAnswers;
  /** Redials scheduled by call outcomes (optional: added without a version change). */
  redials?: number;
}

/**
 * One run's working state: what it carries across continue-as-new, unpacked. A cursor into the
 * staged list, counters, and bounded queues of entry indices, never the entries themselves
 * (invariant 5); deflections live in the campaign store, the run holds their orders.
 */
export interface RunState extends CampaignProgressState, LegacyDeflections {
  /** Indices read from the list, not yet sent. */
  queue: number[];
  lanes: LaneItem[];
  /** Groups split off a batch Connect refused as invalid, sent alone to isolate the culprit. */
  splits: BatchItem[][];
  deflectionOrders: DeflectionOrders;
  /** Batches held while Connect refuses the campaign's calls (at most batchesInFlight), sent first on resume. */
  heldBatches?: HeldBatch[];
}

/**
 * Everything a campaign carries across continue-as-new (invariant 2), packed and within
 * CARRIED_STATE_BUDGET_BYTES (invariant 7; src/domain/carried-budget.ts has each part's
 * bound). Versioned: a change of shape bumps CARRIED_STATE_VERSION, reads the old shape, and
 * goes behind patched() (CONTRIBUTING.md).
 */
export interface CarriedState extends CampaignProgressState {
  version: typeof CARRIED_STATE_VERSION;
  queue: IndexRun[];
  lanes: PackedLanes;
  splits: PackedBatchItems[];
  deflectionOrders: DeflectionOrders;
  /** Only from a run that started on version-2 code: its deflections, for the next run to move to the store. */
  legacy?: LegacyDeflections;
  /** Batches held while Connect refuses the campaign's calls, their items packed (optional: added without a version change). */
  heldBatches?: { seq: number; items: PackedBatchItems }[];
}

/** The carried state of version 2: deflections, messages and dedup ids carried whole (over 2 MB after enough deflections). */
export interface CarriedStateV2 extends CampaignProgressState, LegacyDeflections {
  version: 2;
  queue: number[];
  lanes: LaneItem[];
  splits: BatchItem[][];
}

export interface CampaignInput {
  spec: CampaignSpec;
  carried?: CarriedState | CarriedStateV2;
}

export function initialState(startedAtMs: number): RunState {
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
    phase: { name: 'running' },
    deflectionOrders: { ordered: 0, taken: 0 },
    deflections: [],
    deflectionIds: [],
    skipIndices: [],
  };
}

/** The carried state of a continued run, unpacked; version 2 is converted, any other version is a defect, said plainly. */
export function carriedOrInitial(carried: CarriedState | CarriedStateV2 | undefined, now: number): RunState {
  if (!carried) return initialState(now);
  const version: unknown = (carried as { version?: unknown }).version;
  if (carried.version === 2) {
    const { version: _version, ...rest } = carried;
    return { ...rest, outcomes: { ...emptyOutcomeCounts(), ...rest.outcomes }, deflectionOrders: { ordered: 0, taken: 0 } };
  }
  if (version !== CARRIED_STATE_VERSION) {
    throw new Error(`carried state version ${JSON.stringify(version)} is neither ${CARRIED_STATE_VERSION} nor 2: this worker cannot continue that run`);
  }
  const { version: _version, queue, lanes, splits, legacy, heldBatches, ...rest } = carried;
  return {
    ...rest,
    // Runs carried from before SUPPRESSED have no count of it.
    outcomes: { ...emptyOutcomeCounts(), ...rest.outcomes },
    queue: unpackIndices(queue),
    lanes: unpackLanes(lanes),
    splits: splits.map(unpackBatchItems),
    ...(heldBatches ? { heldBatches: heldBatches.map((b) => ({ seq: b.seq, items: unpackBatchItems(b.items) })) } : {}),
    deflections: legacy?.deflections ?? [],
    deflectionIds: legacy?.deflectionIds ?? [],
    skipIndices: legacy?.skipIndices ?? [],
  };
}

/** What the next run carries: packed, deflections in the store (a run on version-2 code carries its own), long reasons cut. */
export function toCarried(state: RunState): CarriedState {
  const { queue, lanes, splits, heldBatches, deflections, deflectionIds, skipIndices, phase, ...rest } = state;
  const hasLegacy = deflections.length > 0 || deflectionIds.length > 0 || skipIndices.length > 0;
  return {
    version: CARRIED_STATE_VERSION,
    ...rest,
    phase: cutReason(phase),
    queue: packIndices(queue),
    lanes: packLanes(lanes),
    splits: splits.map(packBatchItems),
    ...(heldBatches ? { heldBatches: heldBatches.map((b) => ({ seq: b.seq, items: packBatchItems(b.items) })) } : {}),
    ...(hasLegacy ? { legacy: { deflections, deflectionIds, skipIndices } } : {}),
  };
}

function cutReason(phase: Phase): Phase {
  if (!('reason' in phase) || phase.reason === undefined || phase.reason.length <= MAX_CARRIED_REASON_LENGTH) return phase;
  return { ...phase, reason: `${phase.reason.slice(0, MAX_CARRIED_REASON_LENGTH - 1)}…` };
}

export function countFailureCode(state: RunState, code: string, n = 1): void {
  state.byFailureCode[code] = (state.byFailureCode[code] ?? 0) + n;
}
