import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long; the error names what was awaited and for how long. */
  timeoutMs?: number;
  /** Pause between probes. */
  intervalMs?: number;
}

/**
 * The one polling loop of the tests: probes until the answer is neither `undefined` nor
 * `false`, and resolves with it (so a probe can hand back what it found). A probe that
 * throws fails at once; a probe that may throw while things settle catches for itself.
 */
export async function eventually<T>(
  description: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 50 }: EventuallyOptions = {},
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(intervalMs);
  }
}
