import type { Disposition } from '../domain/call-disposition';
import type { DecidedCall } from '../storage/call-results';
import { counter } from './instruments';
import { metricNames } from './metric-names';

/**
 * Counts each call's disposition once, when a store write decided it: call_dispositions_total
 * {campaign_id, disposition}. The contact rate is REACHED over all of a campaign's series.
 */
export function countDispositions(calls: readonly DecidedCall[]): void {
  const dispositions = counter(metricNames.callDispositions, 'Calls whose disposition became known');
  for (const call of calls) dispositions.add(1, { campaign_id: campaignIdOf(call.campaignKey), disposition: call.disposition });
}

/** Counts the redials a look scheduled, once (redials_total {campaign_id, disposition}). */
export function countRedials(campaignKey: string, byDisposition: Partial<Record<Disposition, number>>): void {
  const redials = counter(metricNames.redials, 'Redials scheduled, by the disposition of the call before');
  for (const [disposition, n] of Object.entries(byDisposition)) if (n > 0) redials.add(n, { campaign_id: campaignIdOf(campaignKey), disposition });
}

function campaignIdOf(campaignKey: string): string {
  return campaignKey.replace(/^campaign-/, '');
}
