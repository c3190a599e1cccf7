import type { RateLimit } from './types';

/**
 * A token bucket: `burst` calls at once, refilled at `perSecond`. It runs on the real
 * monotonic clock (quotas are about wall time), not on the emulator's injectable clock.
 */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
  }

  tryTake(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A bucket for a configured limit, none (unlimited) for an absent one. */
export function bucketFor(limit: RateLimit | undefined): TokenBucket | undefined {
  return limit === undefined ? undefined : new TokenBucket(limit);
}
