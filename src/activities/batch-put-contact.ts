import { BatchPutContactCommand, type ConnectClient } from '@aws-sdk/client-connect';
import type { BatchResult } from '../domain/batch';
import { batchClientToken } from '../domain/client-token';
import { toContactDataRequest } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import type { EntryAnswer } from './batch-answers';
import { submitBatch, type BatchSubmission } from './batch-submission';
import { toConnectFailure } from './aws-error-mapping';
import type { ConnectCallOptions } from './connect-call';

export interface BatchInput extends BatchSubmission {
  instanceId: string;
}

/**
 * One BatchPutContact call for entries loaded from the store. A retry sends the same token
 * for the same entries and gets the same ContactIds back (invariant 1).
 */
export function putContactBatch(connect: ConnectClient, store: CampaignStore, input: BatchInput, call: ConnectCallOptions = {}): Promise<BatchResult> {
  return submitBatch(store, 'BatchPutContact', input, async (sending) => {
    const staged = sending.map((s) => s.item.staged);
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
    return answers;
  });
}
