import { BatchPutContactCommand, type ConnectClient } from '@aws-sdk/client-connect';
import { unpackEntries, type BatchResult, type EntryRun } from '../domain/batch';
import { batchClientToken } from '../domain/client-token';
import { toContactDataRequest, type ContactDefaults } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import { recordBatchAnswers, type EntryAnswer } from './batch-answers';
import { toConnectFailure } from './aws-error-mapping';
import type { ConnectCallOptions } from './connect-call';

export interface BatchInput {
  campaignKey: string;
  instanceId: string;
  seq: number;
  defaults: ContactDefaults;
  /** Indices and send numbers, packed (packEntries). */
  entries: EntryRun[];
}

/**
 * One BatchPutContact call for entries loaded from the store. A retry sends the same token
 * for the same entries and gets the same ContactIds back (invariant 1).
 */
export async function putContactBatch(connect: ConnectClient, store: CampaignStore, input: BatchInput, call: ConnectCallOptions = {}): Promise<BatchResult> {
  const entries = unpackEntries(input.entries);
  const staged = await store.stagedEntries(
    input.campaignKey,
    entries.map(([index]) => index),
  );
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
  const sends = new Map(entries);
  const sent = staged.map((s) => ({ staged: s, send: sends.get(s.index) ?? 1 }));
  return recordBatchAnswers(store, input.campaignKey, 'BatchPutContact', input.seq, sent, answers);
}
