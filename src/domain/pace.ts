import { z } from 'zod';
import { MAX_BATCH_SIZE } from './limits';
import { SCHEDULED_AHEAD_SECONDS } from './scheduled-ahead';

/** Batches in flight when the spec does not say. */
const DEFAULT_BATCHES_IN_FLIGHT = 4;

const pacingFieldsSchema = z.object({
  /** Entries per BatchPutContact call (Connect allows at most 25). */
  batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).default(MAX_BATCH_SIZE),
  /**
   * BatchPutContact calls in flight at once (default 4). Set, and without
   * `scheduleAheadSeconds`, it is exactly what the campaign keeps scheduled.
   */
  batchesInFlight: z.number().int().min(1).max(100).optional(),
  /**
   * Seconds of the shared Connect rate this campaign keeps scheduled on the Connect task queue
   * (at least `batchesInFlight` batches, at most 100): the server meters them, and the backlog
   * keeps the quota busy while a worker dies and on a server whose task queues have several
   * partitions (docs/architecture.md, "The scheduling pipeline and the shared rate"). 6 when
   * neither this nor `batchesInFlight` is given; 0 when only `batchesInFlight` is; 0 keeps
   * exactly `batchesInFlight`.
   */
  scheduleAheadSeconds: z.number().min(0).max(60).optional(),
  /** Optional cap on calls per second started by this campaign. */
  batchesPerSecond: z.number().positive().max(1000).optional(),
  /**
   * This campaign's share of the shared Connect rate against other campaigns running at the
   * same time (Temporal task queue fairness; 1 when absent): 2 gets twice the calls of 1.
   */
  fairnessWeight: z.number().positive().max(1000).optional(),
  /** Slow down when Connect throttles because of this campaign's rate, speed up again when it does not (paceAfterAnswer). */
  adaptive: z.boolean().default(true),
});

/**
 * Pacing with both windows decided, so that parsing its output again changes nothing: a spec
 * that names its `batchesInFlight` keeps exactly those in flight unless it also asks for
 * `scheduleAheadSeconds`; one that names neither keeps 6 s of the shared rate scheduled.
 */
export const pacingSchema = pacingFieldsSchema.transform(({ batchesInFlight, scheduleAheadSeconds, ...rest }) => ({
  ...rest,
  batchesInFlight: batchesInFlight ?? DEFAULT_BATCHES_IN_FLIGHT,
  scheduleAheadSeconds: scheduleAheadSeconds ?? (batchesInFlight === undefined ? SCHEDULED_AHEAD_SECONDS : 0),
}));
export type Pacing = z.infer<typeof pacingSchema>;

/** Extra gap between batch starts, grown on throttling and shrunk while calls are clean. */
export interface PaceState {
  delayMs: number;
  /** The answers judged next (paceAfterAnswer; absent in runs paced by paceAfterBatch). */
  window?: PaceWindow;
  /** The throttled share that slowing down did not reduce: Connect's background, not this campaign's rate. */
  tolerated?: number;
  /** The last move slowed down: the window that caused it and the gap before it, until the next window tells whether slowing down helped. */
  probe?: { startsPerSecond: number; acceptedPerSecond: number; delayMs: number };
}

/** The gap a batch asks for per share of its entries throttled: 10% throttled → 50 ms. */
const GAP_PER_THROTTLED_SHARE_MS = 500;
/** From this share on, Connect is refusing most of what is sent: back off hard. */
const OVERLOAD_SHARE = 0.5;
const OVERLOAD_MIN_MS = 500;
const MAX_DELAY_MS = 30_000;
const CLEAN_DECAY = 0.8;

export function initialPace(): PaceState {
  return { delayMs: 0 };
}

/** What one batch's answer says about the pace: how many entries went, how many were throttled. */
export interface BatchThrottling {
  sent: number;
  throttled: number;
  /** The campaign's batch size: a small batch (a retry of a few entries) weighs less. */
  batchSize: number;
}

/**
 * The pace of campaigns started before patch 'throttles-retry-at-the-pace' (paceAfterAnswer
 * replaced it: under random throttling this one pins at 30 s a batch).
 * Adapts the gap between batch starts to the share of a batch's entries Connect throttled,
 * each batch weighing in proportion to its size (a retry of 2 entries moves it little):
 * - a full batch mostly throttled (≥ 50%): the gap doubles (at least 0.5 s, at most 30 s),
 *   so a hard limit brings the pace down within a few batches;
 * - otherwise throttled: the gap moves toward share × 0.5 s (halfway for a full batch), so a
 *   steady trickle of throttles settles on a steady, slightly slower pace instead of
 *   ratcheting up forever;
 * - clean: the gap shrinks (by 20% for a full batch) and snaps to 0 below 50 ms.
 */
export function paceAfterBatch(pace: PaceState, batch: BatchThrottling, adaptive: boolean): PaceState {
  if (!adaptive || batch.sent === 0) return pace;
  const share = Math.min(1, batch.throttled / batch.sent);
  const weight = Math.min(1, batch.sent / Math.max(1, batch.batchSize));
  if (share >= OVERLOAD_SHARE && weight >= 1) {
    return { delayMs: Math.min(MAX_DELAY_MS, Math.max(OVERLOAD_MIN_MS, pace.delayMs * 2)) };
  }
  if (share > 0) {
    const target = share * GAP_PER_THROTTLED_SHARE_MS;
    return { delayMs: Math.round(pace.delayMs + ((target - pace.delayMs) * weight) / 2) };
  }
  const next = Math.floor(pace.delayMs * (1 - (1 - CLEAN_DECAY) * weight));
  return { delayMs: next < 50 ? 0 : next };
}

/** Minimum gap between batch starts: the configured rate, plus what throttling added. */
export function batchGapMs(pacing: Pacing, pace: PaceState): number {
  return configuredGapMs(pacing) + pace.delayMs;
}

/**
 * The entries of batches started since the pace last moved (seq ≥ `fromSeq`): an answer to a
 * batch started before the move says nothing about the new rate, so it is left out.
 */
export interface PaceWindow {
  fromSeq: number;
  /** Workflow times of the first and last start of its batches, to tell the rate of starts when no gap is set. */
  firstStartAt?: number;
  lastStartAt?: number;
  batches: number;
  sent: number;
  /** Entries answered with a code that slows the pace (throttled, buffer full). */
  throttled: number;
}

/**
 * A window is judged once it holds 200 entries (8 full batches) or 8 batches of any size (the
 * tail's small retries), started over at least 2 s: a limit with a burst allowance lets a
 * shorter window through.
 */
export const WINDOW_ENTRIES = 200;
export const WINDOW_BATCHES = 8;
export const WINDOW_MIN_SPAN_MS = 2_000;
/** The throttled share the pace accepts above what slowing down cannot remove: 10 points. */
export const TARGET_SHARE = 0.1;
/** A share above this is never Connect's background: 95% throttled means Connect takes almost nothing, slow down. */
export const MAX_TOLERATED_SHARE = 0.9;
/** Additive increase: 0.5 batch starts a second more per clean window (5 → 10 a second in 10 windows). */
export const INCREASE_BATCHES_PER_SECOND = 0.5;
/** Multiplicative decrease: the rate is multiplied by the accepted share, but never below half. */
export const MIN_DECREASE_FACTOR = 0.5;
/** The rate to slow down from when no gap is set (an unlimited campaign): the window's starts, counted as at most 1 s apart. */
const MAX_OBSERVED_GAP_MS = 1_000;
/** Below this the extra gap is noise: it snaps to 0. */
const MIN_DELAY_MS = 20;

/** One batch's answer as the pace sees it. */
export interface PacedAnswer {
  seq: number;
  /** Workflow time the batch started. */
  startedAt: number;
  sent: number;
  throttled: number;
}

/**
 * AIMD on the throttled share of recent entries: the pace finds the highest rate Connect takes
 * instead of pinning at its slowest. Each window of ≥ 200 entries (or 8 batches) started over
 * ≥ 2 s since the pace last moved is judged once:
 * - share above tolerated + 10 points: slow down, multiplying the rate by the accepted share
 *   ((1 − share) / (1 − tolerated), at least 0.5): 30% throttled at 10 batches/s → 7/s, the
 *   rate Connect accepted; a full v2 buffer drains at that rate too. The move is a probe;
 * - the window after a probe tells a limit from a background. Under a rate limit Connect takes
 *   as many entries a second at the lower rate as before; throttles at random take away the same
 *   share at any rate, so the entries taken fall with the rate (10 → 7 batches/s: 175 → 122
 *   entries/s at 30%). When they fall by more than half as much as the starts did (and the share
 *   is at most 90%), the throttling is Connect's background, not this campaign's rate: the pace
 *   goes back to the gap before the probe and tolerates that share. 30% throttled at random costs
 *   one window at 7/s; 85% one window at half the rate;
 * - otherwise the rate grows by 0.5 batches/s (a 1 s gap → 667 ms → 500 ms …), the extra gap
 *   snapping to 0 below 20 ms; a share under the tolerated one lowers it a quarter of the way,
 *   so a background that fades is probed again.
 * The extra gap stays within 0 … 30 s. `nextSeq` is the next batch's sequence number (the
 * window after a move starts there).
 */
export function paceAfterAnswer(pace: PaceState, answer: PacedAnswer, pacing: Pacing, nextSeq: number): PaceState {
  if (!pacing.adaptive || answer.sent === 0) return pace;
  const open = pace.window ?? { fromSeq: 0, batches: 0, sent: 0, throttled: 0 };
  if (answer.seq < open.fromSeq) return pace;
  const window: PaceWindow = {
    fromSeq: open.fromSeq,
    firstStartAt: Math.min(open.firstStartAt ?? answer.startedAt, answer.startedAt),
    lastStartAt: Math.max(open.lastStartAt ?? answer.startedAt, answer.startedAt),
    batches: open.batches + 1,
    sent: open.sent + answer.sent,
    throttled: open.throttled + Math.min(answer.sent, answer.throttled),
  };
  const spanMs = (window.lastStartAt ?? 0) - (window.firstStartAt ?? 0);
  if ((window.sent < WINDOW_ENTRIES && window.batches < WINDOW_BATCHES) || spanMs < WINDOW_MIN_SPAN_MS) return { ...pace, window };

  const share = window.throttled / window.sent;
  const tolerated = pace.tolerated ?? 0;
  const rates = windowRates(window);
  const rateGapMs = configuredGapMs(pacing);
  const next = (delayMs: number, rest: Pick<PaceState, 'tolerated' | 'probe'>): PaceState => {
    const rounded = Math.round(delayMs);
    const fromSeq = rounded === pace.delayMs ? open.fromSeq : nextSeq;
    return { delayMs: rounded, window: { fromSeq, batches: 0, sent: 0, throttled: 0 }, ...omitUndefined(rest) };
  };

  const probe = pace.probe;
  if (probe !== undefined && rates !== undefined && share <= MAX_TOLERATED_SHARE && probe.acceptedPerSecond > 0) {
    const starts = rates.startsPerSecond / probe.startsPerSecond;
    const accepted = rates.acceptedPerSecond / probe.acceptedPerSecond;
    // Slower starts, and the entries taken fell with them: a background, not a limit.
    if (starts < 0.95 && accepted < (1 + starts) / 2) return next(probe.delayMs, { tolerated: share });
  }
  if (share > tolerated + TARGET_SHARE) {
    const factor = Math.max(MIN_DECREASE_FACTOR, (1 - share) / (1 - tolerated));
    const gap = rateGapMs + pace.delayMs;
    const seenGap = rates === undefined ? MAX_OBSERVED_GAP_MS : 1000 / rates.startsPerSecond;
    const base = gap > 0 ? gap : Math.min(MAX_OBSERVED_GAP_MS, Math.max(1, seenGap));
    const delayMs = Math.min(MAX_DELAY_MS, Math.max(pace.delayMs, base / factor - rateGapMs));
    return next(delayMs, { tolerated: pace.tolerated, probe: rates && { ...rates, delayMs: pace.delayMs } });
  }
  const lowered = share < tolerated ? tolerated - (tolerated - share) / 4 : pace.tolerated;
  if (pace.delayMs === 0) return next(0, { tolerated: lowered });
  const delayMs = 1000 / (1000 / (rateGapMs + pace.delayMs) + INCREASE_BATCHES_PER_SECOND) - rateGapMs;
  return next(delayMs < MIN_DELAY_MS ? 0 : delayMs, { tolerated: lowered });
}

/** Batch starts and entries Connect took, per second of the window's starts; undefined when they all started at once. */
function windowRates(window: PaceWindow): { startsPerSecond: number; acceptedPerSecond: number } | undefined {
  const spanMs = (window.lastStartAt ?? 0) - (window.firstStartAt ?? 0);
  if (window.batches < 2 || spanMs <= 0) return undefined;
  const startsPerSecond = ((window.batches - 1) * 1000) / spanMs;
  return { startsPerSecond, acceptedPerSecond: (startsPerSecond * (window.sent - window.throttled)) / window.batches };
}

function configuredGapMs(pacing: Pacing): number {
  return pacing.batchesPerSecond ? Math.ceil(1000 / pacing.batchesPerSecond) : 0;
}

/** Carried state leaves absent fields out (a JSON payload drops undefined anyway; this keeps equality checks plain). */
function omitUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
