import { ApplicationFailure } from '@temporalio/common';
import { GetCampaignStateCommand, type ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import type { ConnectQueues, ConnectRates } from '../domain/connect-queues';
import type { CampaignStore } from '../storage/campaign-store';
import { putContactBatch, type BatchInput } from './batch-put-contact';
import { actOnCallOutcomes, type ActOnCallOutcomesInput, type CallOutcomesLook } from './call-outcome-actions';
import { settleCalls, type CallsSettlement, type SettleCallsInput } from './call-reconcile';
import { toConnectFailure } from './aws-error-mapping';
import { activityCallOptions } from './connect-call';
import type { ActivityDependencies } from './index';
import { startOutboundChat, type ChatInput } from './outbound-chat';
import { putOutboundRequestBatch, type OutboundRequestBatchInput } from './outbound-request-batch';

/**
 * The activities that call Amazon Connect (and Outbound Campaigns v2): each call goes out with
 * the activity's cancellation signal (they heartbeat while it runs: createActivities).
 */
export function connectActivities(deps: ActivityDependencies, store: CampaignStore) {
  const campaignsV2 = (): ConnectCampaignsV2Client => {
    if (!deps.campaignsV2) throw ApplicationFailure.nonRetryable('this worker has no Outbound Campaigns v2 client; it needs one to run campaigns with --api outbound-campaigns-v2');
    return deps.campaignsV2;
  };

  return {
    /** Where this deployment's Connect calls go: asked once per campaign, so the workers' configuration decides. */
    connectTaskQueues(): Promise<ConnectQueues> {
      return Promise.resolve(deps.connectQueues);
    },

    /** The shared rates of those queues: how many batches a campaign keeps scheduled (src/domain/scheduled-ahead.ts). */
    connectRates(): Promise<ConnectRates | undefined> {
      return Promise.resolve(deps.connectRates);
    },

    async putContactBatch(input: BatchInput) {
      return putContactBatch(deps.connect, store, input, activityCallOptions());
    },

    async putOutboundRequestBatch(input: OutboundRequestBatchInput) {
      return putOutboundRequestBatch(campaignsV2(), store, input, activityCallOptions());
    },

    /** The Outbound Campaigns v2 campaign's state (Running, Paused, …). */
    async getV2CampaignState(input: { v2CampaignId: string }): Promise<string> {
      try {
        const answer = await campaignsV2().send(new GetCampaignStateCommand({ id: input.v2CampaignId }), activityCallOptions());
        return answer.state ?? 'Unknown';
      } catch (err) {
        throw toConnectFailure(err, 'GetCampaignState', input.v2CampaignId);
      }
    },

    async startOutboundChat(input: ChatInput) {
      return startOutboundChat(deps.connect, store, input, activityCallOptions());
    },

    /** Call outcomes: asks DescribeContact about calls whose final event never came, settles the rest as UNKNOWN when told; answers where the calls stand. */
    async settleCalls(input: SettleCallsInput): Promise<CallsSettlement> {
      return settleCalls(deps.connect, store, input, (deps.reconcileAfterSeconds ?? 300) * 1000, activityCallOptions());
    },

    /** Call outcomes acted on: settles what it can, then schedules redials and orders SMS after voicemails in the store. */
    async actOnCallOutcomes(input: ActOnCallOutcomesInput): Promise<CallOutcomesLook> {
      return actOnCallOutcomes(deps.connect, store, input, (deps.reconcileAfterSeconds ?? 300) * 1000, activityCallOptions());
    },
  };
}
