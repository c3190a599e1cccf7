import * as wf from '@temporalio/workflow';
import type { ActivityFailure } from '@temporalio/common';
import type { ContactLookup, ReadyDeflection } from '../activities';
import { connectInstanceId } from '../domain/campaign';
import { chatClientToken } from '../domain/client-token';
import type { DeflectAnswer, DeflectRequest } from '../domain/deflection';
import { housekeeping } from './activity-proxies';
import { failedEntry, recordFailed } from './batches';
import type { CampaignRun, ParkedDeflection } from './campaign-run';
import { countFailureCode, type PendingDeflection } from './campaign-state';
import { publish } from './reporting';

type Refusal = { reason: DeflectAnswer['refused'][number]['reason']; detail: string };
type Verdict = { accepted: true } | ({ accepted: false } & Refusal) | { accepted: 'look-again' };

/** A deflection a budgeted run accepted, to record in the store: `ready` to send now, or parked for its batch's answer. */
interface AcceptedDeflection {
  requestIdentifier: string;
  index: number;
  ready?: true;
  afterCall?: boolean;
}

/** Deflections the SMS pump reads from the store at a time. */
const DEFLECTION_PAGE = 100;

/**
 * Deflects entries by RequestIdentifier. The workflow holds indices only, so each id is
 * looked up in the campaign store first (after staging: a deflection during staging waits);
 * what the campaign holds when the answer comes back decides. An entry that moved between
 * memory and the store while it was looked up is looked up again (three rounds at most).
 * A budgeted run records what it accepted in the store, with the request's message and
 * attributes, after each round (before a batch's answer can release a parked one).
 */
export async function deflect(run: CampaignRun, request: DeflectRequest): Promise<DeflectAnswer> {
  const answer: DeflectAnswer = { accepted: [], refused: [] };
  let toLookUp: string[] = [];
  for (const id of new Set(request.requestIdentifiers)) {
    const refused = refusal(run, id);
    if (refused) answer.refused.push({ requestIdentifier: id, ...refused });
    else toLookUp.push(id);
  }
  if (toLookUp.length > 0) await wf.condition(() => run.state.staged !== undefined || run.stopping());
  for (let round = 0; toLookUp.length > 0 && round < 3; round++) {
    toLookUp.forEach((id) => run.lookingUp.add(id));
    let found: ContactLookup[];
    try {
      found = await housekeeping.lookupContacts.executeWithOptions({ summary: `look up ${toLookUp.length} contacts to deflect` }, [
        { campaignKey: run.workflowId, requestIdentifiers: toLookUp },
      ]);
    } finally {
      toLookUp.forEach((id) => run.lookingUp.delete(id));
    }
    toLookUp = [];
    const accepted: AcceptedDeflection[] = [];
    for (const f of found) {
      const verdict = settle(run, f, request, accepted);
      if (verdict.accepted === true) answer.accepted.push(f.requestIdentifier);
      else if (verdict.accepted === false) answer.refused.push({ requestIdentifier: f.requestIdentifier, reason: verdict.reason, detail: verdict.detail });
      else toLookUp.push(f.requestIdentifier);
    }
    if (accepted.length > 0) await recordAccepted(run, accepted, request);
  }
  for (const id of toLookUp) answer.refused.push({ requestIdentifier: id, reason: 'ALREADY_TERMINAL', detail: 'the entry settled while the deflection was looked up' });
  publish(run);
  return answer;
}

/** Why a deflection of `id` is refused whatever the store says, if it is. */
function refusal(run: CampaignRun, id: string, inStore = false): Refusal | undefined {
  if (inStore || run.lookingUp.has(id) || run.recording.has(id) || run.state.deflectionIds.includes(id)) {
    return { reason: 'ALREADY_DEFLECTING', detail: 'this contact is already deflected to SMS' };
  }
  if (!run.spec.chat) return { reason: 'CHAT_NOT_CONFIGURED', detail: 'the campaign has no chat settings (source phone number ARN and contact flow)' };
  // While the run drains to continue as new, a deflection is accepted and carried to the next run.
  if (run.stopping() || run.drain === 'finish') return { reason: 'CAMPAIGN_ENDING', detail: 'the campaign is ending' };
  return undefined;
}

/** Settles one looked-up id against what the campaign holds now; a budgeted run adds what it accepts to `accepted`. */
function settle(run: CampaignRun, f: ContactLookup, request: DeflectRequest, accepted: AcceptedDeflection[]): Verdict {
  const id = f.requestIdentifier;
  const refused = refusal(run, id, f.deflecting === true);
  if (refused) return { accepted: false, ...refused };
  const index = f.index;
  if (index === undefined) return { accepted: false, reason: 'UNKNOWN_REQUEST_IDENTIFIER', detail: 'no entry of this campaign has this RequestIdentifier' };
  if (!f.staged) return { accepted: false, reason: 'ALREADY_TERMINAL', detail: `the entry already ended ${f.outcome ?? 'REJECTED'}` };
  const s = run.state;
  // A redial taken off the voice path was called before: its SMS follows that call.
  const called = run.redialing.has(index) ? true : undefined;
  if (
    takeFrom(s.queue, (i) => i === index) ||
    takeFrom(s.lanes, (i) => i.index === index) ||
    s.splits.some((group) => takeFrom(group, (i) => i.index === index)) ||
    // A batch held while Connect refuses the campaign goes again without it.
    (s.heldBatches ?? []).some((held) => takeFrom(held.items, (i) => i.index === index))
  ) {
    s.splits = s.splits.filter((group) => group.length > 0);
    if (s.heldBatches) s.heldBatches = s.heldBatches.filter((held) => held.items.length > 0);
    run.redialing.delete(index);
    accept(run, accepted, id, request, index, called);
    return { accepted: true };
  }
  // A batch cancelled before it was answered goes again with the same entries: it counts as in flight.
  for (const items of [...run.inFlight.values(), ...run.resends.map((r) => r.items)]) {
    if (items.some((i) => i.index === index)) {
      if (run.budgeted) {
        run.recording.add(id);
        accepted.push({ requestIdentifier: id, index });
        run.awaitingBatch.set(index, { requestIdentifier: id });
      } else {
        s.deflectionIds.push(id);
        run.awaitingBatch.set(index, { requestIdentifier: id, message: request.message, attributes: request.attributes });
      }
      return { accepted: true };
    }
  }
  if (f.outcome === 'CREATED') {
    accept(run, accepted, id, request, index, true);
    return { accepted: true };
  }
  if (f.outcome !== undefined) return { accepted: false, reason: 'ALREADY_TERMINAL', detail: `the entry already ended ${f.outcome}` };
  if (index >= s.cursor) {
    // Not read yet: dropped from the voice path when its page is read (the store passes over it once recorded).
    if (run.budgeted) run.unreadDeflected.add(index);
    else s.skipIndices.push(index);
    accept(run, accepted, id, request, index);
    return { accepted: true };
  }
  return { accepted: 'look-again' }; // read and settled while we looked
}

/** A deflection ready to send: a budgeted run records it in the store (recordAccepted), the old branch carries it. */
function accept(run: CampaignRun, accepted: AcceptedDeflection[], id: string, request: DeflectRequest, index: number, afterCall?: boolean): void {
  if (run.budgeted) {
    run.recording.add(id);
    accepted.push({ requestIdentifier: id, index, ready: true, ...(afterCall ? { afterCall } : {}) });
    return;
  }
  run.state.deflectionIds.push(id);
  run.state.deflections.push({ requestIdentifier: id, index, message: request.message, attributes: request.attributes, ...(afterCall ? { afterCall } : {}) });
}

/**
 * Writes accepted deflections to the store with the request's text. Those ready to send get
 * the next orders; those parked for a batch's answer get theirs when it comes (releaseParked).
 */
function recordAccepted(run: CampaignRun, accepted: AcceptedDeflection[], request: DeflectRequest): Promise<void> {
  const s = run.state;
  return run.writeDeflections(async () => {
    let order = s.deflectionOrders.ordered;
    const deflections = accepted.map(({ ready, ...d }) => (ready ? { ...d, order: ++order } : d));
    await housekeeping.recordDeflections.executeWithOptions({ summary: `record ${deflections.length} deflections` }, [
      { campaignKey: run.workflowId, deflections, message: request.message, attributes: request.attributes },
    ]);
    s.deflectionOrders.ordered = order;
    for (const d of accepted) run.recording.delete(d.requestIdentifier);
    run.wroteReady(
      deflections.flatMap((d) =>
        'order' in d ? [{ requestIdentifier: d.requestIdentifier, index: d.index, order: d.order, ...(d.afterCall ? { afterCall: true as const } : {}) }] : [],
      ),
    );
  });
}

/**
 * A parked deflection's batch answered: the SMS replaces the voice contact (`afterCall`
 * false) or follows it. The old branch queues it in memory; a budgeted run gives it an order
 * in the store (one write for every release waiting by then).
 */
export function releaseParked(run: CampaignRun, parked: ParkedDeflection, index: number, afterCall: boolean): void {
  if (!run.budgeted) {
    run.state.deflections.push({ ...parked, index, ...(afterCall ? { afterCall } : {}) });
    return;
  }
  const first = run.toRelease.length === 0;
  run.toRelease.push({ requestIdentifier: parked.requestIdentifier, index, afterCall });
  if (!first) return;
  const s = run.state;
  void run.writeDeflections(async () => {
    const ready = run.toRelease.splice(0).map((r, k) => ({ ...r, order: s.deflectionOrders.ordered + k + 1 }));
    const released = ready.map(({ index, order, afterCall }) => ({ index, order, afterCall }));
    await housekeeping.releaseDeflections.executeWithOptions({ summary: `release ${released.length} deflections` }, [{ campaignKey: run.workflowId, released }]);
    s.deflectionOrders.ordered += released.length;
    run.wroteReady(ready.map(({ afterCall, ...r }) => ({ ...r, ...(afterCall ? { afterCall: true as const } : {}) })));
  });
}

/** Sends ready deflections at the chat API's own pace, until the run drains. */
export async function pumpDeflections(run: CampaignRun): Promise<void> {
  if (run.budgeted) return pumpFromStore(run);
  const chat = run.spec.chat;
  const canSend = (): boolean => run.state.deflections.length > 0 && run.chatsInFlight < (chat?.chatsInFlight ?? 1) && !run.stopping();
  for (;;) {
    await wf.condition(() => run.drain !== undefined || canSend());
    if (run.drain !== undefined || run.stopping() || !chat) return;
    const wait = run.chatStarts.waitMs(1000 / chat.chatsPerSecond, Date.now());
    if (wait > 0) {
      await wf.sleep(wait);
      continue;
    }
    const d = run.state.deflections.shift();
    if (!d) continue;
    run.chatStarts.take(1000 / chat.chatsPerSecond, Date.now());
    run.chatsInFlight++;
    publish(run);
    void sendChat(run, d).finally(() => {
      run.chatsInFlight--;
      publish(run);
    });
  }
}

/**
 * The budgeted pump: reads ready deflections from the store a page at a time, in order, past
 * the carried cursor (`taken`); a page read but not sent when the run drains is read again by
 * the next run.
 */
async function pumpFromStore(run: CampaignRun): Promise<void> {
  const chat = run.spec.chat;
  const orders = run.state.deflectionOrders;
  const page: ReadyDeflection[] = [];
  let readThrough = orders.taken;
  const canSend = (): boolean => (page.length > 0 || readThrough < orders.ordered) && run.chatsInFlight < (chat?.chatsInFlight ?? 1) && !run.stopping();
  for (;;) {
    await wf.condition(() => run.drain !== undefined || canSend());
    if (run.drain !== undefined || run.stopping() || !chat) return;
    if (page.length === 0) {
      const recent = run.recentlyReady;
      while (recent.length > 0 && (recent[0]?.order ?? 0) <= readThrough) recent.shift();
      if (recent[0]?.order === readThrough + 1) {
        page.push(...recent.splice(0, DEFLECTION_PAGE));
        readThrough = page.at(-1)?.order ?? readThrough;
        continue;
      }
      const read = await housekeeping.readyDeflections.executeWithOptions({ summary: `read deflections after ${readThrough}` }, [
        { campaignKey: run.workflowId, afterOrder: readThrough, max: DEFLECTION_PAGE },
      ]);
      // Rows past `ordered` belong to a write the run has not seen complete: read again later.
      page.push(...read.filter((d) => d.order <= orders.ordered));
      const last = page.at(-1);
      if (last) readThrough = last.order;
      else {
        wf.log.error('Defect: deflections ordered but not in the store; skipped', { from: readThrough + 1, to: orders.ordered });
        readThrough = orders.ordered;
        orders.taken = orders.ordered;
      }
      continue;
    }
    const wait = run.chatStarts.waitMs(1000 / chat.chatsPerSecond, Date.now());
    if (wait > 0) {
      await wf.sleep(wait);
      continue;
    }
    const d = page.shift();
    if (!d) continue;
    orders.taken = d.order;
    run.chatStarts.take(1000 / chat.chatsPerSecond, Date.now());
    run.chatsInFlight++;
    publish(run);
    void sendChat(run, { requestIdentifier: d.requestIdentifier, index: d.index, ...(d.afterCall ? { afterCall: true } : {}) }, true).finally(() => {
      run.chatsInFlight--;
      publish(run);
    });
  }
}

/** Sends one SMS; `textInStore`: the activity reads the deflection's message and attributes from the store. */
async function sendChat(run: CampaignRun, d: PendingDeflection, textInStore = false): Promise<void> {
  const chat = run.spec.chat;
  const calls = run.connect?.chat;
  if (!chat || !calls) return;
  try {
    await calls.startOutboundChat.executeWithOptions({ activityId: `chat-${d.index}`, summary: `SMS to ${d.requestIdentifier}${d.afterCall ? ' (after the call)' : ''}` }, [
      {
        campaignKey: run.workflowId,
        instanceId: connectInstanceId(run.spec),
        chat,
        clientToken: chatClientToken(run.workflowId, d.requestIdentifier),
        index: d.index,
        defaults: run.spec.defaults,
        attributes: d.attributes,
        message: d.message,
        ...(textInStore ? { textInStore } : {}),
        // A v2 dial request id is not a contact id: Connect would refuse it as RelatedContactId.
        afterCall: d.afterCall ? (run.spec.submission?.api === 'outbound-campaigns-v2' ? 'dial-request' : 'voice-contact') : undefined,
      },
    ]);
    if (d.afterCall) run.state.outcomes.CREATED--;
    run.state.outcomes.DEFLECTED++;
    run.metrics.deflected(d.afterCall === true);
  } catch (err) {
    const message = (err as ActivityFailure).cause?.message ?? String(err);
    wf.log.warn('Deflection to SMS failed', { requestIdentifier: d.requestIdentifier, message });
    countFailureCode(run.state, 'DEFLECTION_FAILED');
    run.metrics.deflectionFailed(d.afterCall === true);
    // A contact already dialled keeps its voice outcome; one taken off the voice path fails.
    if (!d.afterCall) await recordFailed(run, [failedEntry(run, d.index, 'DEFLECTION_FAILED', { message })]);
  }
}

/** Removes the first element that matches from `list`; true when there was one. */
function takeFrom<T>(list: T[], matches: (item: T) => boolean): boolean {
  const at = list.findIndex(matches);
  if (at < 0) return false;
  list.splice(at, 1);
  return true;
}
