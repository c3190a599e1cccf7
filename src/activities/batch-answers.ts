import { MISSING_FROM_RESPONSE, packIndices, type BatchResult } from '../domain/batch';
import type { StagedEntry } from '../domain/contact-entry';
import type { Attempt, CampaignStore } from '../storage/campaign-store';

/**
 * Connect's answer for one entry of a batch. A v2 request's answer carries its clientToken
 * (`requestToken`): the contact Connect places for it names that token, and the store finds the send by it.
 */
export type EntryAnswer = { contactId: string; requestToken?: string } | { code: string; message: string };

export interface SentEntry {
  staged: StagedEntry;
  send: number;
}

/**
 * Records a batch's answers in the store before the activity returns — CREATED outcomes
 * with their contact ids, and every send as an attempt with Connect's message — so a crash
 * between the call and the workflow seeing the result loses nothing, and answers the
 * workflow with indices and codes only. An entry missing from Connect's answer is
 * MISSING_FROM_RESPONSE.
 */
export async function recordBatchAnswers(
  store: CampaignStore,
  campaignKey: string,
  api: string,
  seq: number,
  sent: readonly SentEntry[],
  answers: ReadonlyMap<number, EntryAnswer>,
): Promise<BatchResult> {
  const created: number[] = [];
  const failed: BatchResult['failed'] = [];
  const attempts: Attempt[] = [];
  const records = [];
  for (const { staged, send } of sent) {
    const answer = answers.get(staged.index) ?? { code: MISSING_FROM_RESPONSE, message: 'Connect returned no result for this entry' };
    if ('contactId' in answer) {
      created.push(staged.index);
      records.push({ requestIdentifier: staged.entry.RequestIdentifier, index: staged.index, outcome: 'CREATED' as const, contactId: answer.contactId });
      attempts.push({
        index: staged.index,
        send,
        api,
        result: 'CREATED',
        contactId: answer.contactId,
        ...(answer.requestToken !== undefined && { requestToken: answer.requestToken }),
      });
    } else {
      failed.push({ index: staged.index, code: answer.code });
      attempts.push({ index: staged.index, send, api, result: answer.code, message: answer.message });
    }
  }
  await store.recordOutcomes(campaignKey, records);
  await store.recordAttempts(campaignKey, attempts);
  // A failed send placed no call: it no longer counts against its number's frequency cap.
  if (failed.length > 0)
    await store.releaseSends(
      campaignKey,
      attempts.filter((a) => a.result !== 'CREATED'),
    );
  return { seq, created: packIndices(created), failed };
}
