import { Context } from '@temporalio/activity';

/** What an activity sends each Connect call with. */
export interface ConnectCallOptions {
  /** Aborts the HTTP request: the activity was cancelled, timed out or its worker is shutting down. */
  abortSignal?: AbortSignal;
}

/**
 * The running activity's cancellation, for its Connect call: a call whose activity was
 * cancelled (its heartbeat timed out and another worker took the batch, the batch was
 * cancelled, the worker stops) does not go on holding a connection and an answer nobody takes.
 */
export function activityCallOptions(): ConnectCallOptions {
  return { abortSignal: Context.current().cancellationSignal };
}
