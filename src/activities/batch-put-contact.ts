import { BatchPutContactCommand, type ConnectClient } from '@aws-sdk/client-connect';
import { toContactDataRequest, type ContactDefaults, type StagedEntry } from '../domain/contact-entry';
import type { OutcomeRecord } from '../domain/outcome';
import { toConnectFailure } from './connect-errors';
import type { OutcomeStore } from './outcome-store';

export interface BatchInput {
  campaignKey: string;
  instanceId: string;
  seq: number;
  clientToken: string;
  defaults: ContactDefaults;
  entries: StagedEntry[];
}

export interface BatchCreated {
  requestIdentifier: string;
  contactId: string;
}

export interface BatchFailed {
  requestIdentifier: string;
  code: string;
  message: string;
}

export interface BatchResult {
  seq: number;
  created: BatchCreated[];
  failed: BatchFailed[];
}

/** Code for an entry Connect left out of both response lists: treated as unknown, so retried a few times. */
export const MISSING_FROM_RESPONSE = 'MISSING_FROM_RESPONSE';

/**
 * One BatchPutContact call. The CREATED outcomes are written under the batch's key before
 * returning, so a crash between the call and the workflow seeing the result loses nothing:
 * the retry gets the same ContactIds for the same token and writes the same file.
 */
export async function putContactBatch(connect: ConnectClient, outcomes: OutcomeStore, input: BatchInput): Promise<BatchResult> {
  let response;
  try {
    response = await connect.send(
      new BatchPutContactCommand({
        InstanceId: input.instanceId,
        ClientToken: input.clientToken,
        ContactDataRequestList: input.entries.map((s) => toContactDataRequest(s.entry, input.defaults)),
      }),
    );
  } catch (err) {
    throw toConnectFailure(err, 'BatchPutContact', input.instanceId);
  }

  const byId = new Map(input.entries.map((s) => [s.entry.RequestIdentifier, s]));
  const created: BatchCreated[] = [];
  const failed: BatchFailed[] = [];
  const seen = new Set<string>();
  for (const ok of response.SuccessfulRequestList ?? []) {
    if (!ok.RequestIdentifier || !ok.ContactId || !byId.has(ok.RequestIdentifier)) continue;
    seen.add(ok.RequestIdentifier);
    created.push({ requestIdentifier: ok.RequestIdentifier, contactId: ok.ContactId });
  }
  for (const bad of response.FailedRequestList ?? []) {
    if (!bad.RequestIdentifier || !byId.has(bad.RequestIdentifier) || seen.has(bad.RequestIdentifier)) continue;
    seen.add(bad.RequestIdentifier);
    failed.push({
      requestIdentifier: bad.RequestIdentifier,
      code: bad.FailureReasonCode ?? 'UNKNOWN',
      message: bad.FailureReasonMessage ?? '',
    });
  }
  for (const id of byId.keys()) {
    if (!seen.has(id)) failed.push({ requestIdentifier: id, code: MISSING_FROM_RESPONSE, message: 'Connect returned no result for this entry' });
  }

  const records: OutcomeRecord[] = created.map((c) => ({
    requestIdentifier: c.requestIdentifier,
    index: byId.get(c.requestIdentifier)?.index,
    outcome: 'CREATED',
    contactId: c.contactId,
  }));
  await outcomes.write(input.campaignKey, `batch-${input.seq}`, records);
  return { seq: input.seq, created, failed };
}
