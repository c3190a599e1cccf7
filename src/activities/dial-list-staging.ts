import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DialListSource, SubmissionApi, ValidationSettings } from '../domain/campaign';
import type { ContactDefaults } from '../domain/contact-entry';
import { dialListInvalidReason, dialListInvalidType } from '../domain/failure-types';
import type { WaitingCounts } from '../domain/waiting';
import { DialListError } from '../dial-list/dial-list-reader';
import type { CampaignStore, StagedPage } from '../storage/campaign-store';
import { screenEntries, type SendRules } from './send-screening';
import { stageDialList } from './staging';

export interface StageDialListInput {
  campaignKey: string;
  source: DialListSource;
  defaults: ContactDefaults;
  validation?: ValidationSettings;
  api?: SubmissionApi;
  /** The calling rules staging applies (patch 'calling-rules'): suppressed numbers are not staged; a zone attribute must name a zone. */
  rules?: SendRules;
}

export interface StagedPageInput {
  campaignKey: string;
  fromIndex: number;
  maxEntries: number;
  rules?: SendRules;
  defaults?: ContactDefaults;
}

/** The activities that put a dial list into the store and read it back a page of indices at a time. */
export function dialListActivities(store: CampaignStore, baseDir: string | undefined) {
  return {
    async stageDialList(input: StageDialListInput) {
      try {
        return await stageDialList({ ...input, store, baseDir, onProgress: (entriesRead) => heartbeat({ entriesRead }) });
      } catch (err) {
        // A missing file or a bad header does not fix itself: fail the campaign with the reason.
        if (err instanceof DialListError) throw ApplicationFailure.nonRetryable(dialListInvalidReason(err.field, err.message), dialListInvalidType);
        throw err;
      }
    },

    /**
     * The next indices of the staged list: the workflow never holds the entries themselves. With
     * a calling window, entries whose window is closed now go to wait in the store instead (`waiting`).
     */
    async readStagedPage(input: StagedPageInput): Promise<StagedPage & { waiting?: WaitingCounts }> {
      const page = await store.stagedPage(input.campaignKey, input.fromIndex, input.maxEntries);
      if (!input.rules?.window || page.indices.length === 0) return page;
      const staged = await store.stagedEntries(input.campaignKey, page.indices);
      const screened = await screenEntries(
        store,
        input.campaignKey,
        staged.map((s) => ({ staged: s })),
        input.rules,
        { defaults: input.defaults ?? {}, sendsBefore: () => 0, checkSuppression: false },
      );
      return { ...page, indices: screened.send.map((s) => s.item.staged.index), ...(screened.deferred ? { waiting: screened.deferred } : {}) };
    },
  };
}
