import { z } from 'zod';
import { MAX_BATCH_SIZE } from './limits';

export const pacingSchema = z.object({
  /** Entries per BatchPutContact call (Connect allows at most 25). */
  batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).default(MAX_BATCH_SIZE),
  /** BatchPutContact calls in flight at once. */
  batchesInFlight: z.number().int().min(1).max(100).default(4),
  /** Optional cap on calls per second started by this campaign. */
  batchesPerSecond: z.number().positive().max(1000).optional(),
  /**
   * This campaign's share of the shared Connect rate against other campaigns running at the
   * same time (Temporal task queue fairness; 1 when absent): 2 gets twice the calls of 1.
   */
  fairnessWeight: z.number().positive().max(1000).optional(),
  /** Back off when Connect answers REQUEST_THROTTLED, creep back when clean. */
  adaptive: z.boolean().default(true),
});
export type Pacing = z.infer<typeof pacingSchema>;

/** Extra gap between batch starts, grown on throttling and shrunk while calls are clean. */
export interface PaceState {
  delayMs: number;
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
  const rateGap = pacing.batchesPerSecond ? Math.ceil(1000 / pacing.batchesPerSecond) : 0;
  return rateGap + pace.delayMs;
}
