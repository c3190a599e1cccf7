import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long; the error names what was awaited and for how long. */
  timeoutMs?: number;
  /** Pause between probes. */
  intervalMs?: number;
  /** Ask again when the probe throws (a server still starting, a workflow not yet started); the last error is in the timeout's message. */
  retryErrors?: boolean;
}

/**
 * The one polling loop of the tests: probes until the answer is neither `undefined` nor
 * `false`, and resolves with it (so a probe can hand back what it found). A probe that
 * throws fails at once unless `retryErrors`. `description` may be a function, to name the
 * last thing seen when it times out.
 */
export async function eventually<T>(
  description: string | (() => string),
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 50, retryErrors = false }: EventuallyOptions = {},
): Promise<T> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (!retryErrors) throw err;
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      const what = typeof description === 'string' ? description : description();
      const why = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}
