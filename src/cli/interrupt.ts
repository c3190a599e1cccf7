/** Ctrl-C (SIGINT) or SIGTERM as a promise, so a command can stop what it started in order. */
export interface Interrupt {
  /** Resolves with the first signal received. */
  readonly signal: Promise<NodeJS.Signals>;
  /** Stops listening: the signals' default handling comes back. */
  dispose(): void;
}

export function listenForInterrupt(): Interrupt {
  let resolveSignal: (s: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((r) => (resolveSignal = r));
  const handler = (s: NodeJS.Signals): void => resolveSignal(s);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Waits for Ctrl-C or SIGTERM. */
export async function untilInterrupted(): Promise<void> {
  const interrupt = listenForInterrupt();
  await interrupt.signal;
  interrupt.dispose();
}

/** While shutting down: another Ctrl-C means "now". */
export function exitOnNextInterrupt(): void {
  const now = (): never => process.exit(130);
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
}
