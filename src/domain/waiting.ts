/**
 * Entries waiting in the campaign store until they may be sent (a closed calling window now;
 * later caps and redials): what the workflow holds of them is this, counts only (invariant 7).
 */
export interface WaitingCounts {
  total: number;
  /** The earliest time one of them may be sent (workflow time, ms); absent when none has one (a zone that cannot be told). */
  nextDueAt?: number;
  /** How many wait in each zone, the largest first ("unknown": no zone; "other": zones past the ones shown). */
  byZone: Record<string, number>;
}

export function noneWaiting(): WaitingCounts {
  return { total: 0, byZone: {} };
}

/** `a` with `more` entries added: a batch or page that put entries to wait. */
export function addWaiting(a: WaitingCounts, more: WaitingCounts): WaitingCounts {
  const byZone = { ...a.byZone };
  for (const [zone, n] of Object.entries(more.byZone)) byZone[zone] = (byZone[zone] ?? 0) + n;
  const next = [a.nextDueAt, more.nextDueAt].filter((t): t is number => t !== undefined);
  return { total: a.total + more.total, byZone, ...(next.length > 0 ? { nextDueAt: Math.min(...next) } : {}) };
}
