import type { MetricTags } from '@temporalio/common';
import type { CampaignStore, OutcomeChange } from '../storage/campaign-store';
import { metricNames } from './metric-names';
import { activityTags, counter } from './instruments';

/**
 * The campaign store, counting every outcome it actually stores: entries_total{outcome}, and
 * entries_superseded_total{from} when an outcome replaces a lower one (an SMS after the call
 * turns CREATED into DEFLECTED). A retried write stores nothing new and counts nothing, so for
 * each outcome entries_total − entries_superseded_total equals the campaign's count, whatever
 * retries, replays or workflow-task failures happened. FAILED ones also by failure code.
 */
export function countingOutcomes(store: CampaignStore): CampaignStore {
  return {
    ...store,
    async recordOutcomes(campaignKey, records) {
      const changes = await store.recordOutcomes(campaignKey, records);
      countChanges(campaignKey, changes);
      return changes;
    },
    async cancelUnsent(campaignKey, unsent) {
      const answer = await store.cancelUnsent(campaignKey, unsent);
      if (answer.recorded > 0) counter(metricNames.entries, 'Entries that reached an outcome').add(answer.recorded, { ...campaignTags(campaignKey), outcome: 'CANCELLED' });
      return answer;
    },
    async cancelWaiting(campaignKey, message) {
      const answer = await store.cancelWaiting(campaignKey, message);
      if (answer.recorded > 0) counter(metricNames.entries, 'Entries that reached an outcome').add(answer.recorded, { ...campaignTags(campaignKey), outcome: 'CANCELLED' });
      return answer;
    },
  };
}

function countChanges(campaignKey: string, changes: readonly OutcomeChange[]): void {
  if (changes.length === 0) return;
  const tags = campaignTags(campaignKey);
  const entries = counter(metricNames.entries, 'Entries that reached an outcome');
  const superseded = counter(metricNames.entriesSuperseded, 'Entries moved out of an outcome already counted');
  const failed = counter(metricNames.failedEntries, 'FAILED entries by failure code');
  for (const c of changes) {
    entries.add(1, { ...tags, outcome: c.outcome });
    if (c.previous) superseded.add(1, { ...tags, from: c.previous });
    if (c.outcome === 'FAILED') failed.add(1, { ...tags, failure_code: c.failureCode ?? 'UNKNOWN' });
  }
}

/** The campaign id (the workflow id less `campaign-`), and the activity's labels inside one. */
function campaignTags(campaignKey: string): MetricTags {
  return { ...activityTags(), campaign_id: campaignKey.replace(/^campaign-/, '') };
}
