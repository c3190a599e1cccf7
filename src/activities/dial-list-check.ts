import type { CampaignSpec } from '../domain/campaign';
import { isKnownTimeZone } from '../domain/calling-window';
import { checkEntry } from '../domain/entry-validation';
import type { DialEntry } from '../domain/contact-entry';
import type { RecipientSends } from '../storage/recipient-sends';
import type { SuppressionLists } from '../storage/suppression-lists';
import { UNKNOWN_ZONE } from '../storage/waiting-entries';
import { windowAt } from './calling-clock';
import { isMalformed, readDialListSource } from '../dial-list/dial-list-reader';
import { MIN_TIME_LEFT_MS } from './send-screening';
import { entryTimeZone } from './time-zones';

/** What `connect-dialer check` finds in a dial list: nothing is staged, nothing is dialled. */
export interface DialListCheck {
  total: number;
  /** Entries that would be staged and sent (not rejected, not suppressed). */
  valid: number;
  rejected: number;
  /** Rejections by rule and field, e.g. "INVALID_CUSTOMER_ENDPOINT CustomerEndpoint.Address". */
  rejectedBy: Record<string, number>;
  suppressed: number;
  /** Suppressed entries by the list that holds their number. */
  suppressedBy: Record<string, number>;
  /** Valid entries whose number is at its frequency cap now (calls of every campaign counted): they would wait (0 without a cap). */
  overCap: number;
  /** With a calling window: valid entries per zone, whether its window is open now, and when it next opens (ISO). */
  zones?: Record<string, { entries: number; open: boolean; opensAt?: string; closesAt?: string }>;
}

const CHUNK = 2_000;

/**
 * Reads a dial list as staging would (the same reader and the same entry rules), checks the
 * valid entries' numbers against the suppression lists (and a frequency cap against the
 * deployment's record of calls) and, with a calling window, tells per
 * zone whether it is open at `now`. Duplicate RequestIdentifiers are not looked for here.
 */
export async function checkDialList(
  spec: CampaignSpec,
  lists: SuppressionLists & Pick<RecipientSends, 'overCapAmong'>,
  now: number,
  options: { baseDir?: string } = {},
): Promise<DialListCheck> {
  const result: DialListCheck = { total: 0, valid: 0, rejected: 0, rejectedBy: {}, suppressed: 0, suppressedBy: {}, overCap: 0 };
  const zoneCounts = new Map<string, number>();
  let chunk: DialEntry[] = [];
  const settle = async (): Promise<void> => {
    const phones = chunk.flatMap((e) => e.CustomerEndpoint?.Address ?? []);
    const listed = await lists.suppressedAmong(phones, now);
    const overCap = spec.frequencyCap ? await lists.overCapAmong(phones, spec.frequencyCap, now) : new Set<string>();
    for (const entry of chunk) {
      const list = listed.get(entry.CustomerEndpoint?.Address ?? '');
      if (list !== undefined) {
        result.suppressed++;
        result.suppressedBy[list] = (result.suppressedBy[list] ?? 0) + 1;
        continue;
      }
      result.valid++;
      if (overCap.has(entry.CustomerEndpoint?.Address ?? '')) result.overCap++;
      if (spec.callingWindow) {
        const zone = entryTimeZone(entry, spec.callingWindow, spec.defaults.Attributes).zone ?? UNKNOWN_ZONE;
        zoneCounts.set(zone, (zoneCounts.get(zone) ?? 0) + 1);
      }
    }
    chunk = [];
  };
  for await (const raw of readDialListSource(spec.dialList, options)) {
    result.total++;
    const check = isMalformed(raw) ? undefined : checkEntry(raw, spec.defaults, spec.validation, spec.submission.api);
    if (!check?.ok) {
      const key = check ? `${check.rejection.code} ${check.rejection.field}` : 'MALFORMED_LINE (entry)';
      result.rejected++;
      result.rejectedBy[key] = (result.rejectedBy[key] ?? 0) + 1;
      continue;
    }
    const attribute = spec.callingWindow?.timeZoneAttribute;
    const zone = attribute ? check.entry.Attributes?.[attribute]?.trim() : undefined;
    if (attribute && zone && !isKnownTimeZone(zone)) {
      const key = `INVALID_ATTRIBUTE_VALUE Attributes.${attribute}`;
      result.rejected++;
      result.rejectedBy[key] = (result.rejectedBy[key] ?? 0) + 1;
      continue;
    }
    chunk.push(check.entry);
    if (chunk.length >= CHUNK) await settle();
  }
  await settle();
  const window = spec.callingWindow;
  if (window) {
    result.zones = {};
    for (const [zone, entries] of [...zoneCounts].sort((a, b) => b[1] - a[1])) {
      if (zone === UNKNOWN_ZONE) {
        result.zones[zone] = { entries, open: false };
        continue;
      }
      const at = windowAt(window, zone, now);
      const open = at.open && at.closesAt - now >= MIN_TIME_LEFT_MS;
      const next = open ? undefined : at.open ? windowAt(window, zone, at.closesAt) : at;
      result.zones[zone] = {
        entries,
        open,
        ...(at.open && open ? { closesAt: new Date(at.closesAt).toISOString() } : {}),
        ...(next && !next.open && next.opensAt !== undefined ? { opensAt: new Date(next.opensAt).toISOString() } : {}),
      };
    }
  }
  return result;
}
