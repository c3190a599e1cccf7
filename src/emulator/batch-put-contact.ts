import type { SuccessfulRequest } from '@aws-sdk/client-connect';
import type { NewCall } from './calls';
import { entryFailure, type EntryFailure } from './entry-checks';
import { ConnectError } from './errors';
import { fingerprint } from './idempotency';
import type { BatchOutcome, EmulatorState, FailedRequest } from './emulator-state';
import { batchPutContactSchema, checkInstanceId, type ContactDataRequestInput } from './model-schemas';
import { parseRequest } from './validation';

/** The SDK's response shape, except that a failure code may be any string (Connect adds new ones). */
export interface BatchPutContactAnswer {
  SuccessfulRequestList: SuccessfulRequest[];
  FailedRequestList: FailedRequest[];
}

function render(state: EmulatorState, outcome: BatchOutcome): BatchPutContactAnswer {
  const successful: SuccessfulRequest[] = [];
  for (let i = outcome.first; i < outcome.first + outcome.count; i++) {
    successful.push({ RequestIdentifier: state.store.requestIdentifierOf(i), ContactId: state.store.contactId(i) });
  }
  return { SuccessfulRequestList: successful, FailedRequestList: outcome.failed };
}

/**
 * A RequestIdentifier twice in one request is refused on the later entries with
 * IDEMPOTENCY_EXCEPTION (the emulator's choice): dialing it twice is never what was meant.
 */
function duplicateInRequest(entry: ContactDataRequestInput, seen: Set<string>): EntryFailure | undefined {
  const id = entry.RequestIdentifier;
  if (id === undefined) return undefined;
  if (seen.has(id)) return { code: 'IDEMPOTENCY_EXCEPTION', message: `RequestIdentifier ${id} appears more than once in this request.` };
  seen.add(id);
  return undefined;
}

/** Creates what can be created; the outcome (injected entry faults included) is what a token replays. */
function process(state: EmulatorState, instanceId: string, token: string | undefined, entries: ContactDataRequestInput[]): BatchOutcome {
  const { stats, store } = state;
  const createdAt = state.now();
  const failed: FailedRequest[] = [];
  const seen = new Set<string>();
  // A reused (expired) token that created these identifiers before: creating again is a duplicate.
  const before = new Set(token === undefined ? [] : store.indexesWithToken(token).map((i) => store.requestIdentifierOf(i)));
  let first = -1;
  let count = 0;
  const calls: NewCall[] = [];
  for (const entry of entries) {
    stats.current.entries++;
    const invalid = duplicateInRequest(entry, seen) ?? entryFailure(entry, state.invalidQueueIds);
    const injected = invalid === undefined ? state.faults.entryFault(entry.RequestIdentifier) : undefined;
    const failure = invalid ?? injected;
    if (failure !== undefined) {
      if (injected !== undefined) stats.current.faultsInjected++;
      stats.failure(failure.code);
      failed.push({ RequestIdentifier: entry.RequestIdentifier, FailureReasonCode: failure.code, FailureReasonMessage: failure.message });
      continue;
    }
    if (entry.RequestIdentifier !== undefined && before.has(entry.RequestIdentifier)) stats.current.duplicates++;
    const index = store.add({
      channel: 'VOICE',
      instanceId,
      clientToken: token,
      requestIdentifier: entry.RequestIdentifier,
      customerAddress: entry.CustomerEndpoint?.Address,
      campaignId: entry.Campaign?.CampaignId,
      queueId: entry.QueueId,
      attributes: entry.Attributes,
      createdAt,
    });
    if (first < 0) first = index;
    count++;
    stats.current.created++;
    calls.push({
      contactId: store.contactId(index),
      instanceId,
      campaignId: entry.Campaign?.CampaignId,
      number: entry.CustomerEndpoint?.Address,
      attributes: { ...entry.Attributes, ...(entry.RequestIdentifier !== undefined && { RequestIdentifier: entry.RequestIdentifier }) },
    });
  }
  state.calls.dial(calls);
  return { first: first < 0 ? store.size : first, count, failed };
}

/** PUT /contact/batch/{InstanceId} */
export function batchPutContact(state: EmulatorState, instanceId: string, body: Record<string, unknown>): BatchPutContactAnswer {
  checkInstanceId(instanceId);
  const input = parseRequest(batchPutContactSchema, body);
  state.checkInstance(instanceId);
  const token = input.ClientToken;
  const now = state.now();
  const print = token === undefined ? '' : fingerprint(instanceId, body);
  if (token !== undefined) {
    const found = state.batchTokens.lookup(token, print, now);
    if (found.kind === 'mismatch') {
      throw new ConnectError('IdempotencyException', `ClientToken ${token} was already used with a different request.`);
    }
    if (found.kind === 'replay') {
      state.stats.current.idempotentReplays++;
      return render(state, found.outcome);
    }
  }
  const outcome = process(state, instanceId, token, input.ContactDataRequestList);
  if (token !== undefined) state.batchTokens.remember(token, print, outcome, now);
  return render(state, outcome);
}
