import { packEntries, type EntryRun } from '../domain/batch';
import type { WaitingCounts } from '../domain/waiting';
import type { CampaignStore } from '../storage/campaign-store';

/** The activities over entries that wait in the store (outside their calling window, or for a redial) until they are due. */
export function waitingActivities(store: CampaignStore) {
  return {
    /**
     * Releases waiting entries that are due at the workflow's `now` (at most `max`), each with
     * the sends it had (packed as [index, count, sends]), and what still waits. `releaseId` makes
     * a retry answer the same entries.
     */
    async releaseWaitingEntries(input: {
      campaignKey: string;
      releaseId: string;
      now: number;
      max: number;
    }): Promise<{ released: EntryRun[]; redials?: EntryRun[]; waiting: WaitingCounts }> {
      const due = await store.releaseDue(input.campaignKey, input.releaseId, Math.max(input.now, Date.now()), input.max);
      const redials = due.filter((r) => r.redial);
      return {
        released: packEntries(due.filter((r) => !r.redial).map((r) => [r.index, r.sends])),
        // Redials (call outcomes) apart: their entries are CREATED already.
        ...(redials.length > 0 ? { redials: packEntries(redials.map((r) => [r.index, r.sends])) } : {}),
        waiting: await store.waitingSummary(input.campaignKey),
      };
    },

    /** What waits in the store for this campaign (a continued run asks once). */
    async waitingEntries(input: { campaignKey: string }): Promise<WaitingCounts> {
      return store.waitingSummary(input.campaignKey);
    },
  };
}
