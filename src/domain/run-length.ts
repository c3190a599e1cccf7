/**
 * How long one run of a campaign lasts and how often it reads its list (docs/architecture.md,
 * "The scheduling pipeline and the shared rate"). Each continue-as-new drains the batches
 * scheduled ahead: on a server with several partitions per task queue, the last partitions to
 * empty drain at their share of the rate (about 3 s of a 10/s quota lost on 4 partitions), so
 * a campaign should continue as new rarely, and its history should hold batches, not reads.
 */

/**
 * Events a run's history holds before it continues as new (patch 'runs-of-9000-events'). The
 * server suggests continue-as-new at 4,096 events by default (`limit.historyCount.suggestContinueAsNew`),
 * about 840 batches; it warns at 10,240 and refuses at 51,200. 9,000 leaves room under the
 * warning for the drain (100 batches scheduled ahead, about 600 events).
 */
export const RUN_HISTORY_EVENTS = 9_000;
/** Bytes of history before a run continues as new: under the server's warning at 10 MiB (`limit.historySize.warn`). */
export const RUN_HISTORY_BYTES = 8 * 1024 * 1024;

/** What the workflow knows of its own history (`workflowInfo()`). */
export interface HistoryGauge {
  historyLength: number;
  historySize: number;
  continueAsNewSuggested: boolean;
  /** Why the server suggests it, where the server says (TOO_MANY_HISTORY_EVENTS, HISTORY_SIZE_TOO_LARGE, TOO_MANY_UPDATES). */
  suggestedContinueAsNewReasons?: readonly string[];
}

/**
 * The run's history is full: at RUN_HISTORY_EVENTS events or RUN_HISTORY_BYTES bytes with
 * `ownLimits`, or when the server suggests continue-as-new for its size or its updates (a
 * suggestion for the event count alone, or one without a reason, waits for RUN_HISTORY_EVENTS);
 * the server's suggestion without `ownLimits` (runs begun before the patch).
 */
export function historyFull(gauge: HistoryGauge, ownLimits: boolean): boolean {
  if (!ownLimits) return gauge.continueAsNewSuggested;
  const otherReason = gauge.continueAsNewSuggested && (gauge.suggestedContinueAsNewReasons ?? []).some((reason) => reason !== 'TOO_MANY_HISTORY_EVENTS');
  return otherReason || gauge.historyLength >= RUN_HISTORY_EVENTS || gauge.historySize >= RUN_HISTORY_BYTES;
}

/**
 * The smallest page worth reading: a page is read when the queue holds less than the window
 * of batches scheduled ahead and at least this many entries fit under the held bound. With
 * `halfWindow` (patch 'pages-of-half-a-window'), half the window: a run that schedules 60
 * batches ahead, whose bound is twice the window, otherwise read a page of a batch or two
 * after nearly every launch (254 reads for 635 batches, a third of its history's events).
 */
export function smallestPage(batchSize: number, windowBatches: number, halfWindow: boolean): number {
  return halfWindow ? Math.max(batchSize, Math.floor((batchSize * windowBatches) / 2)) : batchSize;
}
