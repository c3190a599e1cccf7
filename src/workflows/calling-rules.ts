import * as wf from '@temporalio/workflow';
import type { SendRules } from '../activities/send-screening';
import { unpackEntries } from '../domain/batch';
import { addWaiting, type WaitingCounts } from '../domain/waiting';
import { housekeeping } from './activity-proxies';
import type { CampaignRun } from './campaign-run';

/**
 * The calling rules in the workflow (docs/compliance.md): what it tells the activities, and
 * the entries that wait in the campaign store for their calling window, which the workflow
 * knows only as counts. Zones and window openings are computed by the activities from the
 * time the workflow passes them, never here, so time-zone data never changes a replay.
 */

/** The rules a send applies: suppression lists always, the calling window and the frequency cap when the campaign has them. */
export function sendRules(run: CampaignRun): SendRules | undefined {
  if (!run.callingRules) return undefined;
  const { callingWindow, frequencyCap } = run.spec;
  const endAt = endAtMs(run);
  return {
    now: Date.now(),
    suppression: true,
    ...(callingWindow ? { window: callingWindow } : {}),
    ...(frequencyCap ? { cap: frequencyCap, ...(endAt !== undefined ? { endAt } : {}) } : {}),
    ...(run.outcomeActions ? { redials: true } : {}),
  };
}

/**
 * Whether entries of this campaign can wait in the store: with a calling window or a frequency
 * cap (a campaign can have either only from the code of patch 'calling-rules' on), or redials
 * (patch 'call-outcomes-redial').
 */
export function entriesCanWait(run: CampaignRun): boolean {
  return (run.callingRules && (run.spec.callingWindow !== undefined || run.spec.frequencyCap !== undefined)) || run.outcomeActions;
}

/** The rules a page read applies: only a calling window (suppression is checked at each send). */
export function pageRules(run: CampaignRun): SendRules | undefined {
  return run.callingRules && run.spec.callingWindow ? { now: Date.now(), window: run.spec.callingWindow } : undefined;
}

/** Entries that a page or a batch put to wait. */
export function entriesWaited(run: CampaignRun, more: WaitingCounts | undefined): void {
  if (more && more.total > 0) run.waiting = addWaiting(run.waiting, more);
}

/** Waiting entries are due and the run has room for them: release them before reading on. */
export function waitingDue(run: CampaignRun, now: number): boolean {
  const due = run.waiting.nextDueAt;
  return run.phase.name === 'running' && run.waiting.total > 0 && due !== undefined && due <= now && run.pageRoom() >= run.spec.pacing.batchSize;
}

/**
 * Takes the due entries out of the store: fresh ones join the queue, ones that were sent
 * before go on a lane due now (their next send keeps counting). The store answers what still
 * waits, so the counts follow the store rather than drift.
 */
export async function releaseWaiting(run: CampaignRun): Promise<void> {
  const { batchSize, batchesInFlight } = run.spec.pacing;
  const max = Math.max(batchSize, Math.min(run.pageRoom(), Math.max(100, batchSize * batchesInFlight * 4)));
  const now = Date.now();
  const answer = await housekeeping.releaseWaitingEntries.executeWithOptions({ summary: 'release entries whose calling window opened' }, [
    { campaignKey: run.workflowId, releaseId: `${wf.workflowInfo().runId}/${++run.releases}`, now, max },
  ]);
  const s = run.state;
  for (const [index, sends] of unpackEntries(answer.released)) {
    if (sends === 0) s.queue.push(index);
    else s.lanes.push({ index, attempts: sends, lastCode: 'WAITED_FOR_CALLING_WINDOW', notBefore: now });
  }
  // Redials (call outcomes): a new send, so a new client token; the rules apply again at the send.
  for (const [index, sends] of unpackEntries(answer.redials ?? [])) {
    run.redialing.add(index);
    s.lanes.push({ index, attempts: sends, lastCode: 'REDIAL', notBefore: now });
  }
  run.waiting = answer.waiting;
}

/** A continued run learns what waits from the store. */
export async function learnWaiting(run: CampaignRun): Promise<void> {
  run.waiting = await housekeeping.waitingEntries.executeWithOptions({ summary: 'entries waiting for their calling window' }, [{ campaignKey: run.workflowId }]);
}

/** The campaign's end (`endAt`), as workflow time; undefined when it has none (or predates calling rules). */
export function endAtMs(run: CampaignRun): number | undefined {
  return run.callingRules && run.spec.endAt !== undefined ? Date.parse(run.spec.endAt) : undefined;
}

export function endReason(run: CampaignRun): string {
  return `the campaign's end (${run.spec.endAt ?? '?'}, --end-at) came before these entries could be sent`;
}
