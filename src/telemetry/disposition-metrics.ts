import type { DecidedCall } from '../storage/call-results';
import { counter } from './instruments';
import { metricNames } from './metric-names';

/**
 * Counts each call's disposition once, when a store write decided it: call_dispositions_total
 * {campaign_id, disposition}. The contact rate is REACHED over all of a campaign's series.
 */
export function countDispositions(calls: readonly DecidedCall[]): void {
  const dispositions = counter(metricNames.callDispositions, 'Calls whose disposition became known');
  for (const call of calls) dispositions.add(1, { campaign_id: call.campaignKey.replace(/^campaign-/, ''), disposition: call.disposition });
}
