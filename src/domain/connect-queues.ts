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

/** Calls per second each queue is held to: the documented default quotas (connect-api.md). */
export interface ConnectRates {
  batchPutContact: number;
  outboundRequests: number;
  chat: number;
}
