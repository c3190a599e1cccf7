import { packEntries, type EntryRun } from '../domain/batch';
import type { WaitingCounts } from '../domain/waiting';
import type { CampaignStore } from '../storage/campaign-store';

/** The activities over entries that wait in the store (outside their calling window) until they are due. */
export function waitingActivities(store: CampaignStore) {
  return {
    /**
     * Releases waiting entries that are due at the workflow's `now` (at most `max`), each with
     * the sends it had (packed as [index, count, sends]), and what still waits. `releaseId` makes
     * a retry answer the same entries.
     */
    async releaseWaitingEntries(input: { campaignKey: string; releaseId: string; now: number; max: number }): Promise<{ released: EntryRun[]; waiting: WaitingCounts }> {
      const released = await store.releaseDue(input.campaignKey, input.releaseId, Math.max(input.now, Date.now()), input.max);
      return { released: packEntries(released.map((r) => [r.index, r.sends])), waiting: await store.waitingSummary(input.campaignKey) };
    },

    /** What waits in the store for this campaign (a continued run asks once). */
    async waitingEntries(input: { campaignKey: string }): Promise<WaitingCounts> {
      return store.waitingSummary(input.campaignKey);
    },
  };
}
