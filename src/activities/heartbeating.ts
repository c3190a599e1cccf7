import { heartbeat } from '@temporalio/activity';

/**
 * Heartbeats each second while an activity runs (a Connect call, a store write), so that one on a
 * worker that died is retried after the workflow's short heartbeat timeout instead of its
 * start-to-close timeout.
 */
export async function whileHeartbeating<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(), 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/**
 * The same activities, each heartbeating each second while it runs (`whileHeartbeating`), but
 * those named in `own`, which heartbeat themselves with details to resume from.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any activity's arguments
export function heartbeatingEach<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T, own: readonly (keyof T)[]): T {
  return Object.fromEntries(Object.entries(activities).map(([name, run]) => [name, own.includes(name) ? run : (...args: unknown[]) => whileHeartbeating(run(...args))])) as T;
}
