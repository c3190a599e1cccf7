import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';
import type { CampaignStore, OutcomeChange } from '../storage/campaign-store';
import { metricNames } from './metric-names';
import { runtimeMeter } from './runtime';

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
      if (answer.recorded > 0) entriesCounter(campaignKey).add(answer.recorded, { outcome: 'CANCELLED' });
      return answer;
    },
  };
}

function countChanges(campaignKey: string, changes: readonly OutcomeChange[]): void {
  if (changes.length === 0) return;
  const meter = campaignMeter(campaignKey);
  const entries = meter.createCounter(metricNames.entries, undefined, 'Entries that reached an outcome');
  const superseded = meter.createCounter(metricNames.entriesSuperseded, undefined, 'Entries moved out of an outcome already counted');
  const failed = meter.createCounter(metricNames.failedEntries, undefined, 'FAILED entries by failure code');
  for (const c of changes) {
    entries.add(1, { outcome: c.outcome });
    if (c.previous) superseded.add(1, { from: c.previous });
    if (c.outcome === 'FAILED') failed.add(1, { failure_code: c.failureCode ?? 'UNKNOWN' });
  }
}

function entriesCounter(campaignKey: string) {
  return campaignMeter(campaignKey).createCounter(metricNames.entries, undefined, 'Entries that reached an outcome');
}

/** The activity's meter when inside one, the runtime's elsewhere; labelled with the campaign id (the workflow id less `campaign-`). */
function campaignMeter(campaignKey: string): MetricMeter {
  let meter: MetricMeter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    meter = runtimeMeter();
  }
  return meter.withTags({ campaign_id: campaignKey.replace(/^campaign-/, '') });
}
