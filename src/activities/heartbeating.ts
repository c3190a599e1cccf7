import { heartbeat } from '@temporalio/activity';

/**
 * Heartbeats each second while a Connect call runs, so that a call on a worker that died is
 * retried after the workflow's short heartbeat timeout instead of its start-to-close timeout.
 */
export async function whileHeartbeating<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(), 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
