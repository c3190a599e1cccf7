import type { OutcomeRecord } from '../domain/outcome';
import type { CampaignStore, ContactLookup, UnsentEntries } from '../storage/campaign-store';
import type { FailedEntry } from './index';

/** The activities that end entries the workflow gives up on, and answer where an id stands. */
export function entryEndingActivities(store: CampaignStore) {
  return {
    /** FAILED outcomes, each with Connect's message from the entry's last send. */
    async recordFailed(input: { campaignKey: string; entries: FailedEntry[] }): Promise<void> {
      if (input.entries.length === 0) return;
      const indices = input.entries.map((e) => e.index);
      const [staged, attempts] = await Promise.all([store.stagedEntries(input.campaignKey, indices), store.lastAttempts(input.campaignKey, indices)]);
      const records: OutcomeRecord[] = input.entries.map((e, i) => {
        const said = attempts.get(e.index)?.message;
        return {
          requestIdentifier: staged[i]?.entry.RequestIdentifier ?? `row-${e.index + 1}`,
          index: e.index,
          outcome: 'FAILED',
          failureCode: e.code,
          message: e.message ?? (said ? `${said} (${e.why ?? e.code})` : (e.why ?? e.code)),
        };
      });
      await store.recordOutcomes(input.campaignKey, records);
    },

    /** Marks CANCELLED every entry the campaign will never send; answers how many. */
    async cancelRemaining(input: { campaignKey: string; unsent: UnsentEntries; waiting?: boolean }): Promise<number> {
      const unsent = (await store.cancelUnsent(input.campaignKey, input.unsent)).covered;
      if (!input.waiting) return unsent;
      return unsent + (await store.cancelWaiting(input.campaignKey, input.unsent.message)).covered;
    },

    /** Where each id stands in the store: a staged entry (and its outcome), a REJECTED entry, or nowhere. */
    async lookupContacts(input: { campaignKey: string; requestIdentifiers: string[] }): Promise<ContactLookup[]> {
      return store.lookup(input.campaignKey, input.requestIdentifiers);
    },
  };
}
