import { unpackEntries, type BatchResult, type EntryRun } from '../domain/batch';
import type { ContactDefaults } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import { recordBatchAnswers, type EntryAnswer, type SentEntry } from './batch-answers';
import { heldBackOf, screenEntries, type ScreenedEntry, type SendRules } from './send-screening';

/** What both submission activities are given: a batch of staged entries, by index and send number. */
export interface BatchSubmission {
  campaignKey: string;
  seq: number;
  defaults: ContactDefaults;
  /** Indices and send numbers, packed (packEntries). */
  entries: EntryRun[];
  /** The calling rules, from campaigns that have them (patch 'calling-rules'): suppressed numbers and closed windows are not sent. */
  rules?: SendRules;
}

/**
 * One Connect API's part of a submission: sends the screened entries in one call and answers
 * Connect's answer for each, by index. It throws the call's failure (toConnectFailure).
 */
export type SubmitEntries = (entries: readonly ScreenedEntry<SentEntry>[]) => Promise<ReadonlyMap<number, EntryAnswer>>;

/**
 * The skeleton both submission activities share: load the batch's entries from the store
 * (the workflow holds indices only), apply the calling rules just before sending, send
 * through the API's `submit`, and record the answers in the store before answering the
 * workflow with indices and codes.
 */
export async function submitBatch(store: CampaignStore, api: string, input: BatchSubmission, submit: SubmitEntries): Promise<BatchResult> {
  const entries = unpackEntries(input.entries);
  const sends = new Map(entries);
  const staged = await store.stagedEntries(
    input.campaignKey,
    entries.map(([index]) => index),
  );
  const screened = await screenEntries(
    store,
    input.campaignKey,
    staged.map((s) => ({ staged: s, send: sends.get(s.index) ?? 1 })),
    input.rules,
    { defaults: input.defaults, sendsBefore: (e) => e.send - 1, checkSuppression: true },
  );
  const held = heldBackOf(screened);
  if (screened.send.length === 0) return { seq: input.seq, created: [], failed: [], ...held };
  const answers = await submit(screened.send);
  const sent = screened.send.map((s) => s.item);
  return { ...(await recordBatchAnswers(store, input.campaignKey, api, input.seq, sent, answers)), ...held };
}
