import { BatchPutContactCommand, type ConnectClient } from '@aws-sdk/client-connect';
import { packIndices, unpackEntries, type BatchResult, type EntryRun } from '../domain/batch';
import { batchClientToken } from '../domain/client-token';
import { toContactDataRequest, type ContactDefaults } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import { recordBatchAnswers, type EntryAnswer } from './batch-answers';
import { toConnectFailure } from './aws-error-mapping';
import type { ConnectCallOptions } from './connect-call';
import { screenEntries, type SendRules } from './send-screening';

export interface BatchInput {
  campaignKey: string;
  instanceId: string;
  seq: number;
  defaults: ContactDefaults;
  /** Indices and send numbers, packed (packEntries). */
  entries: EntryRun[];
  /** The calling rules, from campaigns that have them (patch 'calling-rules'): suppressed numbers and closed windows are not sent. */
  rules?: SendRules;
}

/**
 * One BatchPutContact call for entries loaded from the store. A retry sends the same token
 * for the same entries and gets the same ContactIds back (invariant 1).
 */
export async function putContactBatch(connect: ConnectClient, store: CampaignStore, input: BatchInput, call: ConnectCallOptions = {}): Promise<BatchResult> {
  const entries = unpackEntries(input.entries);
  const sends = new Map(entries);
  const loaded = await store.stagedEntries(
    input.campaignKey,
    entries.map(([index]) => index),
  );
  const screened = await screenEntries(
    store,
    input.campaignKey,
    loaded.map((staged) => ({ staged, send: sends.get(staged.index) ?? 1 })),
    input.rules,
    { defaults: input.defaults, sendsBefore: (e) => e.send - 1, checkSuppression: true },
  );
  const held = { ...(screened.suppressed.length > 0 ? { suppressed: packIndices(screened.suppressed) } : {}), ...(screened.deferred ? { deferred: screened.deferred } : {}) };
  const sent = screened.send.map((s) => s.item);
  if (sent.length === 0) return { seq: input.seq, created: [], failed: [], ...held };
  const staged = sent.map((s) => s.staged);
  let response;
  try {
    response = await connect.send(
      new BatchPutContactCommand({
        InstanceId: input.instanceId,
        // From the campaign and the batch number only (invariant 1): a retry sends the same token.
        ClientToken: batchClientToken(input.campaignKey, input.seq),
        ContactDataRequestList: staged.map((s) => toContactDataRequest(s.entry, input.defaults)),
      }),
      call,
    );
  } catch (err) {
    throw toConnectFailure(err, 'BatchPutContact', input.instanceId);
  }

  const indexById = new Map(staged.map((s) => [s.entry.RequestIdentifier, s.index]));
  const answers = new Map<number, EntryAnswer>();
  for (const ok of response.SuccessfulRequestList ?? []) {
    const index = ok.RequestIdentifier !== undefined ? indexById.get(ok.RequestIdentifier) : undefined;
    if (index !== undefined && ok.ContactId && !answers.has(index)) answers.set(index, { contactId: ok.ContactId });
  }
  for (const bad of response.FailedRequestList ?? []) {
    const index = bad.RequestIdentifier !== undefined ? indexById.get(bad.RequestIdentifier) : undefined;
    if (index !== undefined && !answers.has(index)) answers.set(index, { code: bad.FailureReasonCode ?? 'UNKNOWN', message: bad.FailureReasonMessage ?? '' });
  }
  return { ...(await recordBatchAnswers(store, input.campaignKey, 'BatchPutContact', input.seq, sent, answers)), ...held };
}
