import { z } from 'zod';

export const pacingSchema = z.object({
  /** Entries per BatchPutContact call (Connect allows at most 25). */
  batchSize: z.number().int().min(1).max(25).default(25),
  /** BatchPutContact calls in flight at once. */
  batchesInFlight: z.number().int().min(1).max(100).default(4),
  /** Optional cap on calls per second started by this campaign. */
  batchesPerSecond: z.number().positive().max(1000).optional(),
  /** Back off when Connect answers REQUEST_THROTTLED, creep back when clean. */
  adaptive: z.boolean().default(true),
});
export type Pacing = z.infer<typeof pacingSchema>;

/** Extra gap between batch starts, grown on throttling and shrunk while calls are clean. */
export interface PaceState {
  delayMs: number;
}

const MIN_STEP_MS = 200;
const MAX_DELAY_MS = 30_000;

export function initialPace(): PaceState {
  return { delayMs: 0 };
}

/** Multiplicative increase on throttling, in proportion to how much of the batch was throttled. */
export function paceAfterBatch(pace: PaceState, throttled: number, sent: number, adaptive: boolean): PaceState {
  if (!adaptive || sent === 0) return pace;
  if (throttled > 0) {
    return { delayMs: Math.min(MAX_DELAY_MS, Math.max(MIN_STEP_MS, pace.delayMs * 2)) };
  }
  const next = Math.floor(pace.delayMs * 0.8);
  return { delayMs: next < MIN_STEP_MS / 2 ? 0 : next };
}

/** Minimum gap between batch starts: the configured rate, plus what throttling added. */
export function batchGapMs(pacing: Pacing, pace: PaceState): number {
  const rateGap = pacing.batchesPerSecond ? Math.ceil(1000 / pacing.batchesPerSecond) : 0;
  return rateGap + pace.delayMs;
}
