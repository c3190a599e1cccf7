import { packIndices, type BatchResult } from '../domain/batch';
import type { CallingWindow } from '../domain/calling-window';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import type { OutcomeRecord } from '../domain/outcome';
import { addWaiting, noneWaiting, type WaitingCounts } from '../domain/waiting';
import type { CampaignStore } from '../storage/campaign-store';
import { UNKNOWN_ZONE, type WaitingEntry } from '../storage/waiting-entries';
import { windowAt, type WindowAt } from './calling-clock';
import { entryTimeZone } from './time-zones';

/**
 * The calling rules a send (or a page read) applies, given by the workflow (docs/compliance.md).
 * Absent for campaigns from before them: their workflows would not count what is held back.
 */
export interface SendRules {
  /** The workflow's clock when it scheduled the activity (ms): a time-skipping test moves it; a retry later uses the later real time. */
  now: number;
  window?: CallingWindow;
  /** Check the suppression lists just before sending. */
  suppression?: boolean;
  /** The campaign redials (call outcomes): tell which entries were called before. */
  redials?: boolean;
}

/** An entry may not be sent unless its window stays open this long: a request never goes out in the window's last minute. */
export const MIN_TIME_LEFT_MS = 60_000;

export interface ScreenedEntry<T> {
  item: T;
  /** When the entry's calling window closes (ms), when a window applies: a v2 request expires by then. */
  closesAt?: number;
}

export interface Screening<T> {
  send: ScreenedEntry<T>[];
  suppressed: number[];
  deferred?: WaitingCounts;
  /** Entries called before this send (redials): sent, held or suppressed, their outcome stays CREATED. */
  calledBefore?: number[];
}

/** What a batch's answer says of the entries the rules held back (and of its redials). */
export function heldBackOf(screened: Screening<unknown>): Pick<BatchResult, 'suppressed' | 'deferred' | 'redials'> {
  return {
    ...(screened.suppressed.length > 0 ? { suppressed: packIndices(screened.suppressed) } : {}),
    ...(screened.deferred ? { deferred: screened.deferred } : {}),
    ...(screened.calledBefore && screened.calledBefore.length > 0 ? { redials: packIndices(screened.calledBefore) } : {}),
  };
}

/** The time the rules are applied at: the workflow's, or the real time when a retry runs later. */
export function rulesNow(rules: SendRules): number {
  return Math.max(rules.now, Date.now());
}

/**
 * Applies the calling rules to entries about to be sent: numbers on a suppression list end
 * SUPPRESSED (recorded here), entries whose window is closed in their zone wait in the store
 * with the time it opens, and the rest may be sent now. `sendsOf` gives the sends an entry had.
 */
export async function screenEntries<T extends { staged: StagedEntry }>(
  store: CampaignStore,
  campaignKey: string,
  items: readonly T[],
  rules: SendRules | undefined,
  options: { defaults: ContactDefaults; sendsBefore: (item: T) => number; checkSuppression: boolean },
): Promise<Screening<T>> {
  if (!rules) return { send: items.map((item) => ({ item })), suppressed: [] };
  const now = rulesNow(rules);
  const called = rules.redials
    ? await store.calledBefore(
        campaignKey,
        items.map((i) => [i.staged.index, options.sendsBefore(i) + 1]),
      )
    : undefined;
  const calledBefore = called && called.length > 0 ? { calledBefore: called } : {};
  let rest = [...items];
  const suppressed: number[] = [];
  if (options.checkSuppression && rules.suppression) {
    const listed = await store.suppressedAmong(
      rest.flatMap((i) => i.staged.entry.CustomerEndpoint?.Address ?? []),
      now,
    );
    if (listed.size > 0) {
      const records: OutcomeRecord[] = [];
      rest = rest.filter(({ staged }) => {
        const list = listed.get(staged.entry.CustomerEndpoint?.Address ?? '');
        if (list === undefined) return true;
        suppressed.push(staged.index);
        records.push(suppressedRecord(staged, list, 'just before it was sent'));
        return false;
      });
      await store.recordOutcomes(campaignKey, records);
    }
  }
  if (!rules.window) return { send: rest.map((item) => ({ item })), suppressed, ...calledBefore };
  const window = rules.window;
  const windows = new Map<string, WindowAt>();
  const send: ScreenedEntry<T>[] = [];
  const waiting: WaitingEntry[] = [];
  let deferred = noneWaiting();
  for (const item of rest) {
    const zoned = entryTimeZone(item.staged.entry, window, options.defaults.Attributes);
    const sends = options.sendsBefore(item);
    if (zoned.zone === undefined) {
      waiting.push({ index: item.staged.index, sends, reason: zoned.reason });
      deferred = addWaiting(deferred, { total: 1, byZone: { [UNKNOWN_ZONE]: 1 } });
      continue;
    }
    let at = windows.get(zoned.zone);
    if (!at) {
      at = windowAt(window, zoned.zone, now);
      // In its last minute the window counts as closed: the entry waits for the next opening.
      if (at.open && at.closesAt - now < MIN_TIME_LEFT_MS) at = windowAt(window, zoned.zone, at.closesAt);
      windows.set(zoned.zone, at);
    }
    if (at.open) {
      send.push({ item, closesAt: at.closesAt });
      continue;
    }
    const reason = at.opensAt === undefined ? `the calling window does not open in ${zoned.zone} within 400 days` : `calling window closed in ${zoned.zone} (${zoned.source})`;
    waiting.push({ index: item.staged.index, sends, zone: zoned.zone, reason, ...(at.opensAt !== undefined ? { notBefore: at.opensAt } : {}) });
    deferred = addWaiting(deferred, { total: 1, byZone: { [zoned.zone]: 1 }, ...(at.opensAt !== undefined ? { nextDueAt: at.opensAt } : {}) });
  }
  await store.holdEntries(campaignKey, waiting);
  return { send, suppressed, ...(deferred.total > 0 ? { deferred } : {}), ...calledBefore };
}

export function suppressedRecord(staged: StagedEntry, list: string, when: string): OutcomeRecord {
  return {
    requestIdentifier: staged.entry.RequestIdentifier,
    index: staged.index,
    outcome: 'SUPPRESSED',
    field: 'CustomerEndpoint.Address',
    message: `on the suppression list "${list}" ${when}`,
  };
}
