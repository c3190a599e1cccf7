import { fnv1a64 } from './client-token';

/**
 * Connect's quotas are per account and Region, so every Connect call of every campaign on
 * every worker goes through one task queue per API and Region, and the workers cap that
 * queue's rate with `maxTaskQueueActivitiesPerSecond`, which the Temporal server enforces
 * across all of them (invariant 6). Example for the task queue `connect-dialer` in
 * us-east-1: `connect-dialer.connect.us-east-1`, `connect-dialer.connect-campaigns-v2.us-east-1`,
 * `connect-dialer.connect-chat.us-east-1`.
 */
export interface ConnectQueues {
  /** BatchPutContact calls. */
  batchPutContact: string;
  /** Outbound Campaigns v2 PutOutboundRequestBatch calls (a quota of its own). */
  outboundRequests: string;
  /** StartOutboundChatContact calls (a quota of its own). */
  chat: string;
}

export function connectQueues(taskQueue: string, region: string): ConnectQueues {
  return {
    batchPutContact: `${taskQueue}.connect.${region}`,
    outboundRequests: `${taskQueue}.connect-campaigns-v2.${region}`,
    chat: `${taskQueue}.connect-chat.${region}`,
  };
}

/** Temporal takes fairness keys of at most 64 bytes. */
export const MAX_FAIRNESS_KEY_BYTES = 64;

/**
 * The campaign's fairness key on the Connect queues: its workflow id, or for an id longer
 * than 64 bytes its first 40 characters (ASCII; fewer when they are multi-byte), `~` and the
 * hash of the whole id, so two long ids never share a key.
 */
export function fairnessKeyFor(workflowId: string): string {
  if (utf8Bytes(workflowId) <= MAX_FAIRNESS_KEY_BYTES) return workflowId;
  let head = workflowId.slice(0, 40);
  while (utf8Bytes(head) > 40) head = head.slice(0, -1);
  return `${head}~${fnv1a64(workflowId)}`;
}

/** Calls per second each queue is held to: the documented default quotas (connect-api.md). */
export interface ConnectRates {
  batchPutContact: number;
  outboundRequests: number;
  chat: number;
}

/** TextEncoder, not Buffer: this module runs in workflow code too. */
function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}
