import { PutOutboundRequestBatchCommand, type ConnectCampaignsV2Client, type OutboundRequest } from '@aws-sdk/client-connectcampaignsv2';
import { unpackEntries, type BatchResult, type EntryRun } from '../domain/batch';
import type { OutboundRequestSettings } from '../domain/campaign';
import { outboundRequestClientToken } from '../domain/client-token';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import { recordBatchAnswers, type EntryAnswer } from './batch-answers';
import { toConnectFailure } from './aws-error-mapping';
import type { ConnectCallOptions } from './connect-call';

/** The attribute that carries the dial list's RequestIdentifier to the contact flow. */
export const REQUEST_IDENTIFIER_ATTRIBUTE = 'RequestIdentifier';

export interface OutboundRequestBatchInput {
  campaignKey: string;
  seq: number;
  settings: OutboundRequestSettings;
  defaults: ContactDefaults;
  /** Indices and send numbers, packed (packEntries). */
  entries: EntryRun[];
}

/**
 * One PutOutboundRequestBatch call: the same answer as BatchPutContact's, the dial request
 * id standing where a ContactId would. Outbound Campaigns v2 takes a token per request:
 * `outboundRequestClientToken(campaign, index, send)`, the same on every retry of this send.
 */
export async function putOutboundRequestBatch(
  campaigns: ConnectCampaignsV2Client,
  store: CampaignStore,
  input: OutboundRequestBatchInput,
  call: ConnectCallOptions = {},
  now: () => number = Date.now,
): Promise<BatchResult> {
  const entries = unpackEntries(input.entries);
  const staged = await store.stagedEntries(
    input.campaignKey,
    entries.map(([index]) => index),
  );
  const sends = new Map(entries);
  const sent = staged.map((s) => ({ staged: s, send: sends.get(s.index) ?? 1 }));
  const indexByToken = new Map(sent.map((e) => [outboundRequestClientToken(input.campaignKey, e.staged.index, e.send), e.staged.index]));
  // Computed at each attempt from this activity's clock: a retry an hour later still gets the whole TTL.
  const expirationTime = new Date(now() + input.settings.requestTtlSeconds * 1000);
  let response;
  try {
    response = await campaigns.send(
      new PutOutboundRequestBatchCommand({
        id: input.settings.campaignId,
        outboundRequests: sent.map((e) => toOutboundRequest(e.staged, outboundRequestClientToken(input.campaignKey, e.staged.index, e.send), expirationTime, input)),
      }),
      call,
    );
  } catch (err) {
    throw toConnectFailure(err, 'PutOutboundRequestBatch', input.settings.campaignId);
  }

  const answers = new Map<number, EntryAnswer>();
  for (const ok of response.successfulRequests ?? []) {
    const index = ok.clientToken !== undefined ? indexByToken.get(ok.clientToken) : undefined;
    if (index !== undefined && ok.id && !answers.has(index)) answers.set(index, { contactId: ok.id });
  }
  for (const bad of response.failedRequests ?? []) {
    const index = bad.clientToken !== undefined ? indexByToken.get(bad.clientToken) : undefined;
    const code = bad.failureCode ?? 'UNKNOWN';
    if (index !== undefined && !answers.has(index)) answers.set(index, { code, message: `Outbound Campaigns v2 answered ${code}` });
  }
  return recordBatchAnswers(store, input.campaignKey, 'PutOutboundRequestBatch', input.seq, sent, answers);
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
        attributes: { ...input.defaults.Attributes, ...entry.Attributes, [REQUEST_IDENTIFIER_ATTRIBUTE]: entry.RequestIdentifier },
        ...(input.settings.connectSourcePhoneNumber ? { connectSourcePhoneNumber: input.settings.connectSourcePhoneNumber } : {}),
        ...(input.settings.ringTimeout ? { ringTimeout: input.settings.ringTimeout } : {}),
      },
    },
  };
}
