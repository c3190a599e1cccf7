import { PutOutboundRequestBatchCommand, type ConnectCampaignsV2Client, type OutboundRequest } from '@aws-sdk/client-connectcampaignsv2';
import { packIndices, unpackEntries, type BatchResult, type EntryRun } from '../domain/batch';
import type { OutboundRequestSettings } from '../domain/campaign';
import { outboundRequestClientToken } from '../domain/client-token';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import { recordBatchAnswers, type EntryAnswer } from './batch-answers';
import { toConnectFailure } from './aws-error-mapping';
import type { ConnectCallOptions } from './connect-call';
import { rulesNow, screenEntries, type SendRules } from './send-screening';

/** The attribute that carries the dial list's RequestIdentifier to the contact flow. */
export const REQUEST_IDENTIFIER_ATTRIBUTE = 'RequestIdentifier';

export interface OutboundRequestBatchInput {
  campaignKey: string;
  seq: number;
  settings: OutboundRequestSettings;
  defaults: ContactDefaults;
  /** Indices and send numbers, packed (packEntries). */
  entries: EntryRun[];
  /** The calling rules, from campaigns that have them (patch 'calling-rules'): suppressed numbers and closed windows are not sent. */
  rules?: SendRules;
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
  const screened = await screenEntries(
    store,
    input.campaignKey,
    staged.map((s) => ({ staged: s, send: sends.get(s.index) ?? 1 })),
    input.rules,
    { defaults: input.defaults, sendsBefore: (e) => e.send - 1, checkSuppression: true },
  );
  const held = { ...(screened.suppressed.length > 0 ? { suppressed: packIndices(screened.suppressed) } : {}), ...(screened.deferred ? { deferred: screened.deferred } : {}) };
  if (screened.send.length === 0) return { seq: input.seq, created: [], failed: [], ...held };
  const sent = screened.send.map((s) => s.item);
  const indexByToken = new Map(sent.map((e) => [outboundRequestClientToken(input.campaignKey, e.staged.index, e.send), e.staged.index]));
  // Computed at each attempt from this activity's clock: a retry an hour later still gets the whole TTL,
  // but never past the close of the entry's calling window (it was open when screened, so the request is never already expired).
  const sentAt = input.rules ? Math.max(now(), rulesNow(input.rules)) : now();
  const ttlEnd = sentAt + input.settings.requestTtlSeconds * 1000;
  const expirationOf = (closesAt: number | undefined): Date => new Date(closesAt === undefined ? ttlEnd : Math.min(ttlEnd, closesAt));
  let response;
  try {
    response = await campaigns.send(
      new PutOutboundRequestBatchCommand({
        id: input.settings.campaignId,
        outboundRequests: screened.send.map(({ item: e, closesAt }) =>
          toOutboundRequest(e.staged, outboundRequestClientToken(input.campaignKey, e.staged.index, e.send), expirationOf(closesAt), input),
        ),
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
  return { ...(await recordBatchAnswers(store, input.campaignKey, 'PutOutboundRequestBatch', input.seq, sent, answers)), ...held };
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
