import { PutOutboundRequestBatchCommand, type ConnectCampaignsV2Client, type OutboundRequest } from '@aws-sdk/client-connectcampaignsv2';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import type { OutboundRequestSettings } from '../domain/campaign';
import type { OutcomeRecord } from '../domain/outcome';
import { MISSING_FROM_RESPONSE, type BatchCreated, type BatchFailed, type BatchResult } from './batch-put-contact';
import { toConnectFailure } from './connect-errors';
import type { OutcomeStore } from './outcome-store';

/** The attribute that carries the dial list's RequestIdentifier to the contact flow. */
export const REQUEST_IDENTIFIER_ATTRIBUTE = 'RequestIdentifier';

export interface OutboundRequestBatchInput {
  campaignKey: string;
  seq: number;
  settings: OutboundRequestSettings;
  defaults: ContactDefaults;
  /** Each entry with its own client token (Outbound Campaigns v2 takes one per request). */
  requests: { staged: StagedEntry; clientToken: string }[];
}

/**
 * One PutOutboundRequestBatch call: the same answer shape as BatchPutContact's, the dial
 * request id standing where a ContactId would. CREATED outcomes are written before
 * returning, as for BatchPutContact, so a crash after the call loses nothing.
 */
export async function putOutboundRequestBatch(
  campaigns: ConnectCampaignsV2Client,
  outcomes: OutcomeStore,
  input: OutboundRequestBatchInput,
  now: () => number = Date.now,
): Promise<BatchResult> {
  // Computed at each attempt from this activity's clock: a retry an hour later still gets the whole TTL.
  const expirationTime = new Date(now() + input.settings.requestTtlSeconds * 1000);
  const byToken = new Map(input.requests.map((r) => [r.clientToken, r.staged]));
  let response;
  try {
    response = await campaigns.send(
      new PutOutboundRequestBatchCommand({
        id: input.settings.campaignId,
        outboundRequests: input.requests.map((r) => toOutboundRequest(r.staged, r.clientToken, expirationTime, input)),
      }),
    );
  } catch (err) {
    throw toConnectFailure(err, 'PutOutboundRequestBatch', input.settings.campaignId);
  }

  const created: BatchCreated[] = [];
  const failed: BatchFailed[] = [];
  const seen = new Set<string>();
  for (const ok of response.successfulRequests ?? []) {
    const staged = ok.clientToken ? byToken.get(ok.clientToken) : undefined;
    if (!staged || !ok.id || seen.has(ok.clientToken ?? '')) continue;
    seen.add(ok.clientToken ?? '');
    created.push({ requestIdentifier: staged.entry.RequestIdentifier, contactId: ok.id });
  }
  for (const bad of response.failedRequests ?? []) {
    const staged = bad.clientToken ? byToken.get(bad.clientToken) : undefined;
    if (!staged || seen.has(bad.clientToken ?? '')) continue;
    seen.add(bad.clientToken ?? '');
    failed.push({ requestIdentifier: staged.entry.RequestIdentifier, code: bad.failureCode ?? 'UNKNOWN', message: `Outbound Campaigns v2 answered ${bad.failureCode ?? 'no failureCode'}` });
  }
  for (const [token, staged] of byToken) {
    if (!seen.has(token)) failed.push({ requestIdentifier: staged.entry.RequestIdentifier, code: MISSING_FROM_RESPONSE, message: 'Connect returned no result for this request' });
  }

  const indexById = new Map(input.requests.map((r) => [r.staged.entry.RequestIdentifier, r.staged.index]));
  const records: OutcomeRecord[] = created.map((c) => ({
    requestIdentifier: c.requestIdentifier,
    index: indexById.get(c.requestIdentifier),
    outcome: 'CREATED',
    contactId: c.contactId,
  }));
  await outcomes.write(input.campaignKey, `batch-${input.seq}`, records);
  return { seq: input.seq, created, failed };
}

/** A validated dial-list entry as a v2 telephony request: its RequestIdentifier and attributes go into `attributes`. */
export function toOutboundRequest(staged: StagedEntry, clientToken: string, expirationTime: Date, input: Pick<OutboundRequestBatchInput, 'settings' | 'defaults'>): OutboundRequest {
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
