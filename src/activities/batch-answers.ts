import { MISSING_FROM_RESPONSE, type BatchResult } from '../domain/batch';
import type { StagedEntry } from '../domain/contact-entry';
import type { Attempt, CampaignStore } from '../storage/campaign-store';

/** Connect's answer for one entry of a batch. */
export type EntryAnswer = { contactId: string } | { code: string; message: string };

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
  const result: BatchResult = { seq, created: [], failed: [] };
  const attempts: Attempt[] = [];
  const created = [];
  for (const { staged, send } of sent) {
    const answer = answers.get(staged.index) ?? { code: MISSING_FROM_RESPONSE, message: 'Connect returned no result for this entry' };
    if ('contactId' in answer) {
      result.created.push(staged.index);
      created.push({ requestIdentifier: staged.entry.RequestIdentifier, index: staged.index, outcome: 'CREATED' as const, contactId: answer.contactId });
      attempts.push({ index: staged.index, send, api, result: 'CREATED', contactId: answer.contactId });
    } else {
      result.failed.push({ index: staged.index, code: answer.code });
      attempts.push({ index: staged.index, send, api, result: answer.code, message: answer.message });
    }
  }
  await store.recordOutcomes(campaignKey, created);
  await store.recordAttempts(campaignKey, attempts);
  return result;
}
