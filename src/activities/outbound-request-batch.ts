import { PutOutboundRequestBatchCommand, type ConnectCampaignsV2Client, type OutboundRequest } from '@aws-sdk/client-connectcampaignsv2';
import type { BatchResult } from '../domain/batch';
import type { OutboundRequestSettings } from '../domain/campaign';
import { DIALER_REQUEST_ATTRIBUTE, outboundRequestClientToken } from '../domain/client-token';
import type { StagedEntry } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import type { EntryAnswer, SentEntry } from './batch-answers';
import { submitBatch, type BatchSubmission } from './batch-submission';
import { toConnectFailure } from './aws-error-mapping';
import type { ConnectCallOptions } from './connect-call';
import { rulesNow } from './send-screening';

/** The attribute that carries the dial list's RequestIdentifier to the contact flow. */
export const REQUEST_IDENTIFIER_ATTRIBUTE = 'RequestIdentifier';

export interface OutboundRequestBatchInput extends BatchSubmission {
  settings: OutboundRequestSettings;
}

/**
 * One PutOutboundRequestBatch call: the same answer as BatchPutContact's, the dial request
 * id standing where a ContactId would. Outbound Campaigns v2 takes a token per request:
 * `outboundRequestClientToken(campaign, index, send)`, the same on every retry of this send.
 * The v2 campaign is noted in the store, so the contact-event consumer looks up its contacts'
 * attributes (and no other campaign's).
 */
export function putOutboundRequestBatch(
  campaigns: ConnectCampaignsV2Client,
  store: CampaignStore,
  input: OutboundRequestBatchInput,
  call: ConnectCallOptions = {},
  now: () => number = Date.now,
): Promise<BatchResult> {
  return submitBatch(store, 'PutOutboundRequestBatch', input, async (sending) => {
    const tokenOf = (e: SentEntry): string => outboundRequestClientToken(input.campaignKey, e.staged.index, e.send);
    const indexByToken = new Map(sending.map(({ item }) => [tokenOf(item), item.staged.index]));
    // Computed at each attempt from this activity's clock: a retry an hour later still gets the whole TTL,
    // but never past the close of the entry's calling window (it was open when screened, so the request is never already expired).
    const sentAt = input.rules ? Math.max(now(), rulesNow(input.rules)) : now();
    const ttlEnd = sentAt + input.settings.requestTtlSeconds * 1000;
    const expirationOf = (closesAt: number | undefined): Date => new Date(closesAt === undefined ? ttlEnd : Math.min(ttlEnd, closesAt));
    // Before the call: the contact events of its contacts may come before this activity returns.
    await store.noteOutboundCampaign(input.settings.campaignId);
    let response;
    try {
      response = await campaigns.send(
        new PutOutboundRequestBatchCommand({
          id: input.settings.campaignId,
          outboundRequests: sending.map(({ item, closesAt }) => toOutboundRequest(item.staged, tokenOf(item), expirationOf(closesAt), input)),
        }),
        call,
      );
    } catch (err) {
      throw toConnectFailure(err, 'PutOutboundRequestBatch', input.settings.campaignId);
    }

    const answers = new Map<number, EntryAnswer>();
    for (const ok of response.successfulRequests ?? []) {
      const index = ok.clientToken !== undefined ? indexByToken.get(ok.clientToken) : undefined;
      if (index !== undefined && ok.id && !answers.has(index)) answers.set(index, { contactId: ok.id, requestToken: ok.clientToken });
    }
    for (const bad of response.failedRequests ?? []) {
      const index = bad.clientToken !== undefined ? indexByToken.get(bad.clientToken) : undefined;
      const code = bad.failureCode ?? 'UNKNOWN';
      if (index !== undefined && !answers.has(index)) answers.set(index, { code, message: `Outbound Campaigns v2 answered ${code}` });
    }
    return answers;
  });
}

/** A validated dial-list entry as a v2 telephony request: its RequestIdentifier and attributes go into `attributes`. */
export function toOutboundRequest(
  staged: StagedEntry,
  clientToken: string,
  expirationTime: Date,
  input: Pick<OutboundRequestBatchInput, 'settings' | 'defaults'>,
): OutboundRequest {
  const { entry } = staged;
  return {
    clientToken,
    expirationTime,
    channelSubtypeParameters: {
      telephony: {
        destinationPhoneNumber: entry.CustomerEndpoint?.Address ?? '',
        attributes: { ...input.defaults.Attributes, ...entry.Attributes, [REQUEST_IDENTIFIER_ATTRIBUTE]: entry.RequestIdentifier, [DIALER_REQUEST_ATTRIBUTE]: clientToken },
        ...(input.settings.connectSourcePhoneNumber ? { connectSourcePhoneNumber: input.settings.connectSourcePhoneNumber } : {}),
        ...(input.settings.ringTimeout ? { ringTimeout: input.settings.ringTimeout } : {}),
      },
    },
  };
}
