import * as wf from '@temporalio/workflow';
import type { CampaignActivities } from '../activities';
import { fairnessKeyFor, type ConnectQueues } from '../domain/connect-queues';

type Housekeeping = Pick<
  CampaignActivities,
  | 'connectTaskQueues'
  | 'stageDialList'
  | 'readStagedPage'
  | 'recordFailed'
  | 'cancelRemaining'
  | 'lookupContacts'
  | 'getV2CampaignState'
  | 'recordDeflections'
  | 'releaseDeflections'
  | 'readyDeflections'
  | 'importDeflections'
  | 'settleCalls'
  | 'actOnCallOutcomes'
  | 'releaseWaitingEntries'
  | 'waitingEntries'
>;

/** Work on the campaign store (and one v2 state check): on the campaign task queue, retried until it succeeds. */
export const housekeeping = wf.proxyActivities<Housekeeping>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

type BatchCalls = Pick<CampaignActivities, 'putContactBatch' | 'putOutboundRequestBatch'>;
type ChatCalls = Pick<CampaignActivities, 'startOutboundChat'>;

export interface ConnectCalls {
  batch: wf.ActivityInterfaceFor<BatchCalls>;
  chat: wf.ActivityInterfaceFor<ChatCalls>;
}

/**
 * Connect calls go through the deployment's Connect task queue for their API, paced by the
 * server for every campaign and worker together (invariant 6); each campaign is its own
 * fairness key, so campaigns share that rate evenly (or by weight) where the server has
 * fairness on. 429s and 5xx are retried here with the same token; the listed types are for
 * the workflow to act on.
 */
export function connectCalls(queues: ConnectQueues, campaignKey: string, options: { v2: boolean; fairnessWeight?: number }): ConnectCalls {
  const on = <T>(taskQueue: string): wf.ActivityInterfaceFor<T> =>
    wf.proxyActivities<T>({
      taskQueue,
      priority: { fairnessKey: fairnessKeyFor(campaignKey), ...(options.fairnessWeight !== undefined ? { fairnessWeight: options.fairnessWeight } : {}) },
      // One HTTP call with the SDK's own retries (src/connect-client.ts bounds each try). The call
      // heartbeats while it waits, so a call on a worker that died is retried after 5 s, not 30.
      // Time waiting for the shared rate is schedule-to-start, which has no limit.
      startToCloseTimeout: '30 seconds',
      heartbeatTimeout: '5 seconds',
      // The activities raise the failures retrying cannot help as non-retryable themselves
      // (src/activities/aws-error-mapping.ts), so no list of types rides on every scheduled call.
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
    });
  return { batch: on<BatchCalls>(options.v2 ? queues.outboundRequests : queues.batchPutContact), chat: on<ChatCalls>(queues.chat) };
}
