import * as wf from '@temporalio/workflow';
import type { ActivityFailure } from '@temporalio/common';
import type { ContactLookup } from '../activities';
import { chatClientToken } from '../domain/client-token';
import type { DeflectAnswer, DeflectRequest } from '../domain/deflection';
import { housekeeping } from './activity-proxies';
import { failedEntry, recordFailed } from './batches';
import type { CampaignRun } from './campaign-run';
import { countFailureCode, type PendingDeflection } from './campaign-state';
import { publish } from './reporting';

type Refusal = { reason: DeflectAnswer['refused'][number]['reason']; detail: string };
type Verdict = { accepted: true } | ({ accepted: false } & Refusal) | { accepted: 'look-again' };

/**
 * Deflects entries by RequestIdentifier. The workflow holds indices only, so each id is
 * looked up in the campaign store first (after staging: a deflection during staging waits);
 * what the campaign holds when the answer comes back decides. An entry that moved between
 * memory and the store while it was looked up is looked up again (three rounds at most).
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
    for (const f of found) {
      const verdict = settle(run, f, request);
      if (verdict.accepted === true) answer.accepted.push(f.requestIdentifier);
      else if (verdict.accepted === false) answer.refused.push({ requestIdentifier: f.requestIdentifier, reason: verdict.reason, detail: verdict.detail });
      else toLookUp.push(f.requestIdentifier);
    }
  }
  for (const id of toLookUp) answer.refused.push({ requestIdentifier: id, reason: 'ALREADY_TERMINAL', detail: 'the entry settled while the deflection was looked up' });
  publish(run);
  return answer;
}

/** Why a deflection of `id` is refused whatever the store says, if it is. */
function refusal(run: CampaignRun, id: string): Refusal | undefined {
  if (run.state.deflectionIds.includes(id) || run.lookingUp.has(id)) return { reason: 'ALREADY_DEFLECTING', detail: 'this contact is already deflected to SMS' };
  if (!run.spec.chat) return { reason: 'CHAT_NOT_CONFIGURED', detail: 'the campaign has no chat settings (source phone number ARN and contact flow)' };
  // While the run drains to continue as new, a deflection is accepted and carried to the next run.
  if (run.stopping() || run.drain === 'finish') return { reason: 'CAMPAIGN_ENDING', detail: 'the campaign is ending' };
  return undefined;
}

/** Settles one looked-up id against what the campaign holds now. */
function settle(run: CampaignRun, f: ContactLookup, request: DeflectRequest): Verdict {
  const id = f.requestIdentifier;
  const refused = refusal(run, id);
  if (refused) return { accepted: false, ...refused };
  const index = f.index;
  if (index === undefined) return { accepted: false, reason: 'UNKNOWN_REQUEST_IDENTIFIER', detail: 'no entry of this campaign has this RequestIdentifier' };
  if (!f.staged) return { accepted: false, reason: 'ALREADY_TERMINAL', detail: `the entry already ended ${f.outcome ?? 'REJECTED'}` };
  const s = run.state;
  if (
    takeFrom(s.queue, (i) => i === index) ||
    takeFrom(s.lanes, (i) => i.index === index) ||
    s.splits.some((group) => takeFrom(group, (i) => i.index === index)) ||
    // A batch held while Connect refuses the campaign goes again without it.
    (s.heldBatches ?? []).some((held) => takeFrom(held.items, (i) => i.index === index))
  ) {
    s.splits = s.splits.filter((group) => group.length > 0);
    if (s.heldBatches) s.heldBatches = s.heldBatches.filter((held) => held.items.length > 0);
    accept(run, id, request, index);
    return { accepted: true };
  }
  for (const items of run.inFlight.values()) {
    if (items.some((i) => i.index === index)) {
      s.deflectionIds.push(id);
      run.awaitingBatch.set(index, { requestIdentifier: id, message: request.message, attributes: request.attributes });
      return { accepted: true };
    }
  }
  if (f.outcome === 'CREATED') {
    accept(run, id, request, index, true);
    return { accepted: true };
  }
  if (f.outcome !== undefined) return { accepted: false, reason: 'ALREADY_TERMINAL', detail: `the entry already ended ${f.outcome}` };
  if (index >= s.cursor) {
    // Not read yet: dropped from the voice path when its page is read.
    s.skipIndices.push(index);
    accept(run, id, request, index);
    return { accepted: true };
  }
  return { accepted: 'look-again' }; // read and settled while we looked
}

function accept(run: CampaignRun, id: string, request: DeflectRequest, index: number, afterCall?: boolean): void {
  run.state.deflectionIds.push(id);
  run.state.deflections.push({ requestIdentifier: id, index, message: request.message, attributes: request.attributes, ...(afterCall ? { afterCall } : {}) });
}

/** Sends ready deflections at the chat API's own pace, until the run drains. */
export async function pumpDeflections(run: CampaignRun): Promise<void> {
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

async function sendChat(run: CampaignRun, d: PendingDeflection): Promise<void> {
  const chat = run.spec.chat;
  const calls = run.connect?.chat;
  if (!chat || !calls) return;
  try {
    await calls.startOutboundChat.executeWithOptions({ activityId: `chat-${d.index}`, summary: `SMS to ${d.requestIdentifier}${d.afterCall ? ' (after the call)' : ''}` }, [
      {
        campaignKey: run.workflowId,
        instanceId: run.spec.instanceId,
        chat,
        clientToken: chatClientToken(run.workflowId, d.requestIdentifier),
        index: d.index,
        defaults: run.spec.defaults,
        attributes: d.attributes,
        message: d.message,
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
