import { packIndices, type BatchResult } from '../domain/batch';
import type { CallingWindow } from '../domain/calling-window';
import type { FrequencyCap } from '../domain/frequency-cap';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import type { OutcomeRecord } from '../domain/outcome';
import { addWaiting, noneWaiting, type WaitingCounts } from '../domain/waiting';
import type { CampaignStore } from '../storage/campaign-store';
import { OVER_CAP_ZONE, UNKNOWN_ZONE, type WaitingEntry } from '../storage/waiting-entries';
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
  /** The campaign's frequency cap: a number called this often across the deployment's campaigns waits (or ends SUPPRESSED, see `endAt`). */
  cap?: FrequencyCap;
  /** The campaign's end (ms), given with a cap: an entry its cap allows only after it ends SUPPRESSED at once rather than wait for nothing. */
  endAt?: number;
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
 * At a send (`checkSuppression`) every send that goes out is written to the deployment's
 * record of calls by number (reserved under the campaign's frequency cap, if it has one):
 * an entry over its cap waits until the cap allows it, or ends SUPPRESSED when that is after
 * the campaign's end.
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
  const timed = screenWindow(rest, rules.window, now, options);
  // Only a send counts against a cap: a page read (no checkSuppression) only sorts by window.
  const checked = options.checkSuppression ? await screenCap(store, campaignKey, timed.send, rules, now, options) : { ...timed, waiting: [], deferred: noneWaiting(), ended: [] };
  if (checked.ended.length > 0) {
    const cap = rules.cap as FrequencyCap;
    suppressed.push(...checked.ended.map((e) => e.staged.index));
    await store.recordOutcomes(
      campaignKey,
      checked.ended.map((e) => capRecord(e.staged, cap, e.allowedAt)),
    );
  }
  const waiting = [...timed.waiting, ...checked.waiting];
  const deferred = addWaiting(timed.deferred, checked.deferred);
  await store.holdEntries(campaignKey, waiting);
  return { send: checked.send, suppressed, ...(deferred.total > 0 ? { deferred } : {}), ...calledBefore };
}

interface Timed<T> {
  send: ScreenedEntry<T>[];
  waiting: WaitingEntry[];
  deferred: WaitingCounts;
}

/** Entries whose calling window is open in their zone now, and the others, to wait for it. */
function screenWindow<T extends { staged: StagedEntry }>(
  rest: readonly T[],
  window: CallingWindow | undefined,
  now: number,
  options: { defaults: ContactDefaults; sendsBefore: (item: T) => number },
): Timed<T> {
  if (!window) return { send: rest.map((item) => ({ item })), waiting: [], deferred: noneWaiting() };
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
  return { send, waiting, deferred };
}

/**
 * The frequency cap, on entries that may otherwise go now: each send is recorded against its
 * number (reserved, under a cap); one over its cap waits until the cap allows it, or is ended
 * when that comes only after the campaign's end.
 */
async function screenCap<T extends { staged: StagedEntry }>(
  store: CampaignStore,
  campaignKey: string,
  send: ScreenedEntry<T>[],
  rules: SendRules,
  now: number,
  options: { sendsBefore: (item: T) => number },
): Promise<Timed<T> & { ended: { staged: StagedEntry; allowedAt: number }[] }> {
  const sends = send.flatMap(({ item }) => {
    const phone = item.staged.entry.CustomerEndpoint?.Address;
    return phone ? [{ index: item.staged.index, send: options.sendsBefore(item) + 1, phone }] : [];
  });
  if (!rules.cap) {
    await store.recordSends(campaignKey, sends, now);
    return { send, waiting: [], deferred: noneWaiting(), ended: [] };
  }
  const over = await store.reserveSends(campaignKey, sends, rules.cap, now);
  if (over.size === 0) return { send, waiting: [], deferred: noneWaiting(), ended: [] };
  const cap = rules.cap;
  const waiting: WaitingEntry[] = [];
  const ended: { staged: StagedEntry; allowedAt: number }[] = [];
  let deferred = noneWaiting();
  for (const { item } of send) {
    const allowedAt = over.get(item.staged.index);
    if (allowedAt === undefined) continue;
    if (rules.endAt !== undefined && allowedAt >= rules.endAt) {
      ended.push({ staged: item.staged, allowedAt });
      continue;
    }
    waiting.push({ index: item.staged.index, sends: options.sendsBefore(item), zone: OVER_CAP_ZONE, notBefore: allowedAt, reason: capReason(cap, allowedAt) });
    deferred = addWaiting(deferred, { total: 1, byZone: { [OVER_CAP_ZONE]: 1 }, nextDueAt: allowedAt });
  }
  return { send: send.filter(({ item }) => !over.has(item.staged.index)), waiting, deferred, ended };
}

function capReason(cap: FrequencyCap, allowedAt: number): string {
  return `over its frequency cap (${cap.maxCallsPerNumber} calls in ${cap.days} days across the deployment's campaigns) until ${new Date(allowedAt).toISOString()}`;
}

/** An entry whose cap allows it only after the campaign's end: SUPPRESSED, and the message says by what. */
export function capRecord(staged: StagedEntry, cap: FrequencyCap, allowedAt: number): OutcomeRecord {
  return {
    requestIdentifier: staged.entry.RequestIdentifier,
    index: staged.index,
    outcome: 'SUPPRESSED',
    failureCode: OVER_FREQUENCY_CAP,
    field: 'CustomerEndpoint.Address',
    message: `${capReason(cap, allowedAt)}, after the campaign's end (--end-at)`,
  };
}

/** The code on an entry its frequency cap ended (outcome SUPPRESSED), beside the suppression lists' entries (none). */
export const OVER_FREQUENCY_CAP = 'OVER_FREQUENCY_CAP';

export function suppressedRecord(staged: StagedEntry, list: string, when: string): OutcomeRecord {
  return {
    requestIdentifier: staged.entry.RequestIdentifier,
    index: staged.index,
    outcome: 'SUPPRESSED',
    field: 'CustomerEndpoint.Address',
    message: `on the suppression list "${list}" ${when}`,
  };
}
