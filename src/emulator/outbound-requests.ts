import type { FailedRequest, SuccessfulRequest } from '@aws-sdk/client-connectcampaignsv2';
import { putOutboundRequestBatchSchema, checkCampaignId, type OutboundRequestInput } from './campaigns-v2-schemas';
import { randomUUID } from 'node:crypto';
import type { NewCall } from './calls';
import { ConnectError } from './errors';
import { E164 } from './formats';
import { fingerprint } from './idempotency';
import type { EmulatorState } from './emulator-state';
import type { CampaignState, OutboundRequestFailureCode } from './types';
import { parseRequest } from './validation';

/** The SDK's response shape, except that a failure code may be any string (AWS adds new ones). */
export interface PutOutboundRequestBatchAnswer {
  successfulRequests: SuccessfulRequest[];
  failedRequests: (Omit<FailedRequest, 'failureCode'> & { failureCode: string })[];
}

/**
 * What the model allows but the service refuses per request (InvalidInput): a number not
 * in E.164, an expiration already past, a channel other than telephony (the emulator dials
 * only that), and a clientToken twice in one batch (the later ones).
 */
function invalidInput(request: OutboundRequestInput, now: number, seen: Set<string>): boolean {
  const telephony = request.channelSubtypeParameters.telephony;
  if (seen.has(request.clientToken)) return true;
  seen.add(request.clientToken);
  return telephony === undefined || !E164.test(telephony.destinationPhoneNumber) || Date.parse(request.expirationTime) <= now;
}

/** PUT /v2/campaigns/{id}/outbound-requests */
export function putOutboundRequestBatch(state: EmulatorState, campaignId: string, body: Record<string, unknown>): PutOutboundRequestBatchAnswer {
  checkCampaignId(campaignId);
  const input = parseRequest(putOutboundRequestBatchSchema, body, 'ValidationException');
  const campaignState = state.campaignState(campaignId);
  if (campaignState !== 'Running') {
    throw new ConnectError('InvalidCampaignStateException', `Campaign ${campaignId} is ${campaignState}: it takes outbound requests only while Running.`, false, {
      state: campaignState,
    });
  }
  const { stats, store } = state;
  const now = state.now();
  // Every token is checked before anything is created: one conflict refuses the whole call.
  const raw = body.outboundRequests as Record<string, unknown>[];
  // A retry recomputes expirationTime from the caller's clock, so it is not part of what the
  // token stands for: who is dialled, how, with which attributes. (AWS does not say which
  // members its token covers; this is the reading under which a retry is safe.)
  const prints = raw.map(({ clientToken: _token, expirationTime: _expires, ...rest }) => fingerprint(campaignId, rest));
  const lookups = input.outboundRequests.map((r, i) => state.outboundRequestTokens.lookup(r.clientToken, prints[i] ?? '', now));
  const conflict = input.outboundRequests.find((_, i) => lookups[i]?.kind === 'mismatch');
  if (conflict !== undefined) {
    throw new ConnectError('ConflictException', `clientToken ${conflict.clientToken} was already used with a different outbound request.`);
  }
  const answer: PutOutboundRequestBatchAnswer = { successfulRequests: [], failedRequests: [] };
  const calls: NewCall[] = [];
  const seen = new Set<string>();
  input.outboundRequests.forEach((request, i) => {
    const { clientToken } = request;
    const found = lookups[i];
    if (found?.kind === 'replay' && !seen.has(clientToken)) {
      seen.add(clientToken);
      stats.current.idempotentReplays++;
      answer.successfulRequests.push({ clientToken, id: store.contactId(found.outcome.index) });
      return;
    }
    const invalid = invalidInput(request, now, seen);
    const injected = invalid ? undefined : state.faults.outboundRequestFault(clientToken);
    const failure: OutboundRequestFailureCode | undefined = invalid ? 'InvalidInput' : injected;
    if (failure !== undefined) {
      if (injected !== undefined) stats.current.faultsInjected++;
      stats.failure(failure);
      answer.failedRequests.push({ clientToken, failureCode: failure });
      return;
    }
    const telephony = request.channelSubtypeParameters.telephony;
    const index = store.add({
      channel: 'OUTBOUND_REQUEST',
      instanceId: '',
      clientToken,
      customerAddress: telephony?.destinationPhoneNumber,
      campaignId,
      attributes: telephony?.attributes,
      createdAt: now,
    });
    // Only accepted requests are kept for their token: a failed one may be retried with it.
    state.outboundRequestTokens.remember(clientToken, prints[i] ?? '', { index }, now);
    stats.current.dialRequests++;
    answer.successfulRequests.push({ clientToken, id: store.contactId(index) });
    // The v2 campaign dials the request as a contact of its own, with the request's attributes.
    calls.push({
      contactId: randomUUID(),
      instanceId: state.v2InstanceId,
      campaignId,
      number: telephony?.destinationPhoneNumber,
      attributes: telephony?.attributes,
      dialRequestId: store.contactId(index),
    });
  });
  state.calls.dial(calls);
  return answer;
}

/** GET /v2/campaigns/{id}/state */
export function getCampaignState(state: EmulatorState, campaignId: string): { state: CampaignState } {
  checkCampaignId(campaignId);
  return { state: state.campaignState(campaignId) };
}
