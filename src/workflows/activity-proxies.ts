import * as wf from '@temporalio/workflow';
import type { CampaignActivities } from '../activities';
import { fairnessKeyFor, type ConnectQueues } from '../domain/connect-queues';

type Housekeeping = Pick<
  CampaignActivities,
  | 'connectTaskQueues'
  | 'connectRates'
  | 'readStagedPage'
  | 'recordFailed'
  | 'lookupContacts'
  | 'getV2CampaignState'
  | 'recordDeflections'
  | 'releaseDeflections'
  | 'readyDeflections'
  | 'settleCalls'
  | 'actOnCallOutcomes'
  | 'releaseWaitingEntries'
  | 'waitingEntries'
>;

type ListWork = Pick<CampaignActivities, 'stageDialList' | 'cancelRemaining' | 'importDeflections'>;

const untilItSucceeds: wf.RetryPolicy = { initialInterval: '1s', maximumInterval: '30s' };

/**
 * Work on the campaign store of a page's or a batch's size (and one v2 state check): on the
 * campaign task queue, retried until it succeeds. The dispatch loop waits for most of these, so
 * one on a worker that died is retried after 15 s, not after minutes: the worker heartbeats
 * each second while it runs (src/activities/index.ts).
 */
export const housekeeping = wf.proxyActivities<Housekeeping>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '15 seconds',
  retry: untilItSucceeds,
});

/**
 * Work on the whole list: staging it, marking the unsent rest CANCELLED, moving carried
 * deflections to the store. Minutes on a million entries, run once a campaign or a run, so a
 * longer heartbeat timeout (staging heartbeats its progress; an embedded store's long statement
 * holds the worker's event loop).
 */
export const listWork = wf.proxyActivities<ListWork>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: untilItSucceeds,
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
      // A batch cancelled by a pause or a stop ends at once if it has not started; a started one
      // learns it at its next heartbeat and abandons its call, unless its answer comes first.
      cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
  return { batch: on<BatchCalls>(options.v2 ? queues.outboundRequests : queues.batchPutContact), chat: on<ChatCalls>(queues.chat) };
}
