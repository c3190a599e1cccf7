import { laneFor, type LaneFailures, type LaneName } from './lane-policies';

/** An entry waiting in a retry lane until `notBefore` (workflow time, ms). */
export interface LaneItem {
  /** The entry's index in the dial list. */
  index: number;
  /** Sends so far. */
  attempts: number;
  /** Failures so far in each lane (absent in runs carried from before lanes kept their own budgets). */
  laneFailures?: LaneFailures;
  lastCode: string;
  notBefore: number;
}

/** An entry as it goes into a batch, with the sends it already had. */
export interface BatchItem {
  index: number;
  attempts: number;
  laneFailures?: LaneFailures;
}

/**
 * Picks the next batch: entries whose retry is due first (they have waited longest), then
 * fresh entries from the queue. Mutates `lanes` and `queue`, taking what it returns.
 */
export function takeBatch(lanes: LaneItem[], queue: number[], size: number, now: number): BatchItem[] {
  const batch: BatchItem[] = [];
  for (let i = 0; i < lanes.length && batch.length < size;) {
    const item = lanes[i];
    if (item && item.notBefore <= now) {
      batch.push({ index: item.index, attempts: item.attempts, laneFailures: item.laneFailures });
      lanes.splice(i, 1);
    } else {
      i++;
    }
  }
  while (batch.length < size && queue.length > 0) {
    const index = queue.shift();
    if (index !== undefined) batch.push({ index, attempts: 0 });
  }
  return batch;
}

/** When the earliest waiting retry becomes due, or undefined when no lane holds anything. */
export function nextDue(lanes: readonly LaneItem[]): number | undefined {
  let min: number | undefined;
  for (const item of lanes) if (min === undefined || item.notBefore < min) min = item.notBefore;
  return min;
}

/** Halves a batch that Connect refused as a whole, to isolate the entries that cause it. */
export function splitBatch<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

/** Entries waiting in each retry lane, by the lane of their last failure (for people watching a campaign). */
export function waitingByLane(lanes: readonly LaneItem[]): Partial<Record<LaneName, number>> {
  const counts: Partial<Record<LaneName, number>> = {};
  for (const item of lanes) {
    const lane = laneFor(item.lastCode);
    counts[lane] = (counts[lane] ?? 0) + 1;
  }
  return counts;
}
