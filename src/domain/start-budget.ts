/**
 * How many calls may start now, at one per `gapMs` on average: a token bucket that banks up
 * to a second's worth of starts (at least one). Workflow timers are not sub-second precise
 * (a 250 ms timer can fire a second later on a busy server), so a bare "wait one gap between
 * starts" would lose every start a late timer skipped; the bank lets them go when it fires.
 * Pure and clock-driven, so the workflow can hold one (its Date.now() is deterministic).
 */
export class StartBudget {
  private tokens = 1;
  private at: number | undefined;

  /** Milliseconds until the next start may go: 0 when it may go now. */
  waitMs(gapMs: number, now: number): number {
    if (gapMs <= 0) return 0;
    this.refill(gapMs, now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * gapMs);
  }

  /** Spends one start. */
  take(gapMs: number, now: number): void {
    if (gapMs <= 0) return;
    this.refill(gapMs, now);
    this.tokens -= 1;
  }

  private refill(gapMs: number, now: number): void {
    const banked = Math.max(1, 1000 / gapMs);
    const earned = this.at === undefined ? 0 : Math.max(0, now - this.at) / gapMs;
    this.tokens = Math.min(banked, this.tokens + earned);
    this.at = now;
  }
}
