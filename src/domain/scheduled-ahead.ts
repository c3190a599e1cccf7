/**
 * How many batches a campaign keeps scheduled on its Connect task queue (docs/architecture.md,
 * "The scheduling pipeline"). The Temporal server meters that queue at the shared rate for
 * every worker together (invariant 6), so batches scheduled ahead wait there, not in the
 * workflow. Enough of them keep the quota busy through what stalls the workflow itself: a
 * worker that dies holding the campaign's sticky workflow task (the server moves it after
 * the sticky schedule-to-start timeout, 2 s, and another worker replays the history) or its
 * calls (retried after the 5 s heartbeat timeout); and on a server with several partitions
 * per task queue (4 by default), each holding its share of the rate, every partition has
 * tasks waiting. Bounded, so what one campaign holds in flight stays small.
 */

/** Seconds of calls at the shared rate kept scheduled by default (`pacing.scheduleAheadSeconds`): more than a sticky time-out and a replay. */
export const SCHEDULED_AHEAD_SECONDS = 6;
/** Batches one campaign keeps scheduled at most (2,500 entries at 25 a batch). */
export const MAX_SCHEDULED_AHEAD = 100;

/**
 * Batches kept scheduled: `seconds` of the shared rate, at least the campaign's
 * `batchesInFlight`, at most `MAX_SCHEDULED_AHEAD`. At 6 s: 10 calls/s → 60; 1 call/s → 6;
 * 1,000 calls/s → 100. Without a known rate, `batchesInFlight`. `seconds` is absent only in
 * specs parsed before `pacing.scheduleAheadSeconds` existed, which took the 6 s default.
 */
export function scheduledAheadBatches(batchesInFlight: number, sharedRate: number | undefined, seconds = SCHEDULED_AHEAD_SECONDS): number {
  if (sharedRate === undefined || !(sharedRate > 0)) return batchesInFlight;
  return Math.max(batchesInFlight, Math.min(MAX_SCHEDULED_AHEAD, Math.ceil(sharedRate * seconds)));
}

/**
 * The campaign's own gap between batch starts where it is stricter than the shared rate's;
 * 0 where the shared rate is the stricter (the server meters the calls, and holding them back
 * in the workflow would only empty the queue): `batchesPerSecond: 10` on a 10/s queue → 0,
 * on a 20/s queue → 100 ms (`batchGapMs` rounds up, and so does this). Without a known rate, the campaign's gap as it is.
 */
export function workflowGapMs(campaignGapMs: number, sharedRate: number | undefined): number {
  if (sharedRate === undefined || !(sharedRate > 0)) return campaignGapMs;
  return campaignGapMs > Math.ceil(1000 / sharedRate) ? campaignGapMs : 0;
}
