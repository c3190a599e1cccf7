import * as wf from '@temporalio/workflow';
import { ApplicationFailure, type ActivityFailure } from '@temporalio/common';
import { deflectRequestSchema, deflectSignalSchema } from '../domain/deflection';
import { dialListInvalidType } from '../domain/failure-types';
import { cancelSignal, deflectionAnswerQuery, deflectToChatSignal, deflectToChatUpdate, pauseSignal, progressQuery, resumeSignal } from '../domain/messages';
import type { CampaignResult } from '../domain/progress';
import type { StagingSummary } from '../domain/staging-summary';
import { connectCalls, housekeeping, listWork } from './activity-proxies';
import { launchBatch, readPage } from './batches';
import { CampaignRun } from './campaign-run';
import { settleCallOutcomes } from './call-settling';
import { callsUnsettled, lookAtCalls, lookDue, nextLookAt, noteQuiet } from './call-outcome-actions';
import { countFailureCode, toCarried, type CampaignInput } from './campaign-state';
import { noneWaiting } from '../domain/waiting';
import { endAtMs, endReason, entriesCanWait, learnWaiting, releaseWaiting, sendRules, waitingDue } from './calling-rules';
import { deflect, pumpDeflections } from './deflections';
import { campaignFailed, progressOf, publish, resultOf, stopReason } from './reporting';
import { waitForV2Campaign } from './v2-campaign-watch';

/**
 * Versioning: AUTO_UPGRADE. Campaigns run for hours or days; under Worker Versioning a running
 * campaign moves to the deployment's current version at its next workflow task, so every
 * change to this workflow's logic goes behind patched() (CONTRIBUTING.md) and the stored
 * histories replay in CI. The behaviour is declared as the versioned worker's default
 * (src/worker.ts): declared here with setWorkflowOptions, SDK 1.24 fails every workflow task
 * on an unversioned worker ("versioning behavior cannot be specified without deployment
 * options being set with versioned mode").
 *
 * The campaign workflow (docs/architecture.md): stage the dial list, dispatch it in batches
 * of at most 25 with retries along their lanes and deflections to SMS on request, drain what
 * is in flight, then continue as new or finish with exactly one outcome per entry.
 */
export async function campaign(input: CampaignInput): Promise<CampaignResult> {
  const run = new CampaignRun(input);
  handleMessages(run);
  // A cancellation request (UI, CLI, handle.cancel()) ends the campaign the graceful way,
  // like the cancel signal: everything below runs non-cancellable and watches the phase.
  wf.CancellationScope.current().cancelRequested.catch(() => cancel(run, 'cancellation requested'));
  return wf.CancellationScope.nonCancellable(async () => {
    publish(run);
    await prepare(run);
    const chats = pumpDeflections(run);
    run.drain = await dispatch(run);
    publish(run);
    await wf.condition(() => run.isDrained());
    await chats;
    await wf.condition(wf.allHandlersFinished);
    if (run.drain === 'continue' && !run.stopping()) return continueAsNew(run);
    return finish(run);
  });
}

/** Signals, queries and the update: steering changes the phase; the dispatch loop's waits see it. */
function handleMessages(run: CampaignRun): void {
  wf.setHandler(pauseSignal, (payload) => {
    if (run.stopping()) return;
    run.phase = { name: 'paused', reason: payload?.reason };
    run.cancelScheduledBatches();
    publish(run);
  });
  wf.setHandler(resumeSignal, () => {
    if (run.phase.name !== 'paused') return;
    run.phase = { name: 'running' };
    publish(run);
  });
  wf.setHandler(cancelSignal, (payload) => cancel(run, payload?.reason ?? 'cancelled by signal'));
  wf.setHandler(deflectToChatSignal, async (request) => {
    const parsed = deflectSignalSchema.safeParse(request);
    if (!parsed.success) {
      wf.log.warn('Ignored a malformed deflectToChat signal', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    const { answerId, ...deflection } = parsed.data;
    if (answerId !== undefined) {
      if (run.answers.has(answerId)) return; // the same request signalled again: answered once
      run.answers.begin(answerId);
    }
    const answer = await deflect(run, deflection);
    if (answerId !== undefined) run.answers.settle(answerId, answer);
    if (answer.refused.length > 0) wf.log.warn('Some deflections were refused', { refused: answer.refused });
  });
  wf.setHandler(deflectionAnswerQuery, (answerId) => run.answers.state(answerId));
  // Kept for histories that used it; CampaignClient signals instead (docs/architecture.md, "Steering").
  wf.setHandler(deflectToChatUpdate, (request) => deflect(run, request), {
    validator: (request) => {
      const parsed = deflectRequestSchema.safeParse(request);
      if (!parsed.success) {
        throw new Error(`Invalid deflection: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ')}`);
      }
    },
  });
  wf.setHandler(progressQuery, () => progressOf(run));
}

function cancel(run: CampaignRun, reason: string): void {
  if (run.stopping()) return;
  run.phase = { name: 'cancelling', reason };
  run.cancelScheduledBatches();
  publish(run);
}

/** Learns where Connect calls go and stages the list, once per campaign (a continued run has both). */
async function prepare(run: CampaignRun): Promise<void> {
  const s = run.state;
  s.connectQueues ??= await housekeeping.connectTaskQueues.executeWithOptions({ summary: 'where Connect calls go' }, []);
  run.connect = connectCalls(s.connectQueues, run.workflowId, { v2: run.spec.submission?.api === 'outbound-campaigns-v2', fairnessWeight: run.spec.pacing.fairnessWeight });
  // Asked each run, so a change of the workers' configuration reaches running campaigns.
  if (run.scheduleAhead) run.sharedRates = await housekeeping.connectRates.executeWithOptions({ summary: 'the shared Connect rates' }, []);
  // A run continued while the v2 campaign was not running keeps asking.
  if (run.phase.name === 'paused' && run.phase.waitingForV2Campaign !== undefined) waitForV2Campaign(run, run.phase.waitingForV2Campaign);
  if (run.budgeted) await moveCarriedDeflectionsToStore(run);
  if (s.staged) {
    if (entriesCanWait(run)) await learnWaiting(run);
    return;
  }
  const rules = sendRules(run);
  const summary = await listWork.stageDialList
    .executeWithOptions({ summary: 'stage the dial list' }, [
      {
        campaignKey: run.workflowId,
        source: run.spec.dialList,
        defaults: run.spec.defaults,
        validation: run.spec.validation,
        api: run.spec.submission?.api,
        ...(rules ? { rules } : {}),
      },
    ])
    .catch((err: unknown) => {
      const cause = (err as ActivityFailure).cause;
      if (cause instanceof ApplicationFailure && cause.type === dialListInvalidType) {
        run.phase = { name: 'failing', reason: cause.message, code: dialListInvalidType };
        throw campaignFailed(resultOf(run, 'FAILED'));
      }
      throw err;
    });
  s.staged = { total: summary.total, valid: summary.valid, rejected: summary.rejected };
  s.outcomes.REJECTED += summary.rejected;
  s.outcomes.SUPPRESSED += summary.suppressed ?? 0;
  if (summary.rejected > 0) countFailureCode(s, 'REJECTED_BEFORE_SENDING', summary.rejected);
  // Nothing can be sent: one mistake (no queue, the wrong phone column) rejected the list.
  if (summary.valid === 0 && summary.commonRejection) run.phase = { name: 'failing', reason: allRejectedReason(summary.total, summary.commonRejection), code: 'ALL_REJECTED' };
  publish(run);
}

/** Starts batches until the list is done, the campaign stops, or history asks for a new run. */
async function dispatch(run: CampaignRun): Promise<'continue' | 'finish'> {
  const endAt = endAtMs(run);
  for (;;) {
    if (endAt !== undefined && Date.now() >= endAt) cancel(run, endReason(run));
    if (run.stopping()) return 'finish';
    noteQuiet(run, Date.now());
    // Done before a new run is due: a campaign never continues as new into an empty run.
    if (done(run)) {
      await wf.condition(wf.allHandlersFinished);
      if (done(run)) return 'finish';
      continue;
    }
    if (run.shouldContinueAsNew()) return 'continue';
    if (waitingDue(run, Date.now())) {
      await releaseWaiting(run);
      continue;
    }
    if (lookDue(run, Date.now())) {
      await lookAtCalls(run);
      continue;
    }
    if (run.needsPage()) {
      await readPage(run);
      continue;
    }
    const now = Date.now();
    if (run.canLaunch(now)) {
      launchBatch(run);
      continue;
    }
    publish(run);
    // Wake when there is something to do, or when the next wake time moves (a retry went on a
    // lane, a batch freed a slot): the loop then sleeps again with the new time.
    const wakeAt = earliest(run.nextWakeAt(now), run.phase.name === 'running' ? run.waiting.nextDueAt : undefined, endAt, nextLookAt(run));
    const somethingToDo = (): boolean =>
      run.stopping() ||
      run.shouldContinueAsNew() ||
      run.needsPage() ||
      run.canLaunch(Date.now()) ||
      done(run) ||
      waitingDue(run, Date.now()) ||
      lookDue(run, Date.now()) ||
      earliest(run.nextWakeAt(Date.now()), run.phase.name === 'running' ? run.waiting.nextDueAt : undefined, endAt, nextLookAt(run)) !== wakeAt;
    if (wakeAt === undefined) await wf.condition(somethingToDo);
    else await wf.condition(somethingToDo, Math.max(1, wakeAt - now));
  }
}

function earliest(...times: (number | undefined)[]): number | undefined {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.min(...known) : undefined;
}

/**
 * Everything sent and settled; a paused campaign waits for its resume even with nothing left to
 * send. A campaign that acts on call outcomes is done only when its calls are (invariant 9).
 */
function done(run: CampaignRun): boolean {
  return run.isComplete() && run.phase.name !== 'paused' && !callsUnsettled(run);
}

/** A run continued from carried-state version 2 (or a run on its code) moves the deflections it carried into the store. */
async function moveCarriedDeflectionsToStore(run: CampaignRun): Promise<void> {
  const s = run.state;
  if (s.deflections.length === 0 && s.deflectionIds.length === 0 && s.skipIndices.length === 0) return;
  await run.writeDeflections(async () => {
    let order = s.deflectionOrders.ordered;
    const pending = s.deflections.map((d) => ({ ...d, order: ++order }));
    await listWork.importDeflections.executeWithOptions({ summary: `move ${pending.length} carried deflections to the store` }, [
      { campaignKey: run.workflowId, pending, requestIdentifiers: s.deflectionIds },
    ]);
    s.deflectionOrders.ordered = order;
    s.deflections = [];
    s.deflectionIds = [];
    s.skipIndices = [];
  });
}

function continueAsNew(run: CampaignRun): Promise<never> {
  const carried = toCarried({ ...run.state, runs: run.state.runs + 1, answers: run.answers.toCarried() });
  // The list is staged: the next run needs its cursor, not its entries.
  const spec = run.spec.dialList.kind === 'inline' ? { ...run.spec, dialList: { kind: 'inline' as const, entries: [] } } : run.spec;
  return wf.continueAsNew<typeof campaign>({ spec, carried });
}

/** Ends the campaign: a stopped one marks what it never sent CANCELLED; a failed one fails its workflow with its result. */
async function finish(run: CampaignRun): Promise<CampaignResult> {
  const s = run.state;
  const failing = run.phase.name === 'failing';
  if (run.stopping()) {
    // Never sent: the entries held in memory, deflections not yet sent, and the unread list.
    // Redials are not: their entries were called and stay CREATED.
    const held = [
      ...run.resends.flatMap((r) => r.items.map((i) => i.index)),
      ...s.queue,
      ...s.lanes.map((i) => i.index),
      ...s.splits.flat().map((i) => i.index),
      ...(s.heldBatches ?? []).flatMap((b) => b.items.map((i) => i.index)),
      ...s.deflections.filter((d) => !d.afterCall).map((d) => d.index),
    ].filter((index) => !run.redialing.has(index));
    const reason = failing ? `campaign failed: ${stopReason(run)}` : (stopReason(run) ?? 'cancelled');
    const unsent = {
      held,
      fromIndex: s.listDone ? undefined : s.cursor,
      skip: s.skipIndices,
      message: `not sent: ${reason}`,
      ...(run.budgeted ? { deflectionsAfterOrder: s.deflectionOrders.taken } : {}),
    };
    const waiting = entriesCanWait(run);
    const cancelled = await listWork.cancelRemaining.executeWithOptions({ summary: 'mark the unsent entries CANCELLED' }, [
      { campaignKey: run.workflowId, unsent, ...(waiting ? { waiting } : {}) },
    ]);
    run.waiting = noneWaiting();
    s.outcomes.CANCELLED += cancelled;
    run.resends.length = 0;
    s.queue = [];
    s.lanes = [];
    s.splits = [];
    delete s.heldBatches;
    s.deflections = [];
  }
  const dispositions = failing ? undefined : await settleCallOutcomes(run);
  const result = resultOf(run, failing ? 'FAILED' : run.phase.name === 'cancelling' ? 'CANCELLED' : 'COMPLETED');
  if (dispositions !== undefined) result.dispositions = dispositions;
  if (failing) throw campaignFailed(result);
  return result;
}

/** Why a campaign whose every entry was rejected failed: the most frequent rule, with its count. */
function allRejectedReason(total: number, common: NonNullable<StagingSummary['commonRejection']>): string {
  const share = common.count === total ? `all ${total}` : `${common.count} of the ${total}`;
  return `every entry was rejected, nothing was sent; ${share} for ${common.field}: ${common.reason} (first at entry ${common.firstIndex})`;
}
