import * as wf from '@temporalio/workflow';
import { ApplicationFailure, type ActivityFailure } from '@temporalio/common';
import type { FailedEntry } from '../activities';
import { connectInstanceId } from '../domain/campaign';
import { packEntries, unpackIndices, type BatchEntry, type BatchResult } from '../domain/batch';
import { splitBatch, takeBatch, type BatchItem } from '../domain/batch-assembly';
import { campaignPausingTypes, campaignStoppingTypes, connectFailureTypes, outcomeCodeForCallFailure, pauseCauseOf } from '../domain/failure-types';
import { addLaneFailure, decideLane, isKnownFailureCode, slowsPace } from '../domain/lane-policies';
import { paceAfterAnswer, paceAfterBatch } from '../domain/pace';
import { housekeeping } from './activity-proxies';
import type { CampaignRun } from './campaign-run';
import { countFailureCode, type HeldBatch } from './campaign-state';
import { entriesWaited, pageRules, sendRules } from './calling-rules';
import { releaseParked } from './deflections';
import { publish } from './reporting';
import { waitForV2Campaign } from './v2-campaign-watch';

/** Reads the next page of the staged list into the queue, dropping entries deflected before they were read. */
export async function readPage(run: CampaignRun): Promise<void> {
  const s = run.state;
  const { batchSize } = run.spec.pacing;
  // Four windows' worth of entries; two with scheduleAhead, whose windows are larger.
  const pageSize = Math.max(100, batchSize * run.batchesAhead() * (run.scheduleAhead ? 2 : 4));
  const rules = pageRules(run);
  const page = await housekeeping.readStagedPage.executeWithOptions({ summary: `read the dial list from entry ${s.cursor}` }, [
    {
      campaignKey: run.workflowId,
      fromIndex: s.cursor,
      maxEntries: run.budgeted ? Math.min(pageSize, run.pageRoom()) : pageSize,
      ...(rules ? { rules, defaults: run.spec.defaults } : {}),
    },
  ]);
  entriesWaited(run, page.waiting);
  const skip = run.budgeted ? run.unreadDeflected : new Set(s.skipIndices);
  for (const index of page.indices) if (!skip.delete(index)) s.queue.push(index);
  if (!run.budgeted) s.skipIndices = [...skip];
  s.cursor = page.nextIndex;
  s.listDone = page.done;
  // Deflections recorded before the page was read were passed over by the store.
  if (run.budgeted) for (const index of skip) if (index < s.cursor) skip.delete(index);
}

/**
 * Starts the next batch: a batch cancelled by a pause first, then one held while Connect
 * refused the campaign (each under its own sequence number, so its own client token), then a
 * split-off group, then due retries, then fresh entries. The activity gets indices and send
 * numbers only and reads the entries from the campaign store.
 */
export function launchBatch(run: CampaignRun): void {
  const s = run.state;
  const resend = run.resends.shift();
  const held = resend ? undefined : takeHeldBatch(run);
  const items = resend?.items ?? held?.items ?? s.splits.shift() ?? takeBatch(s.lanes, s.queue, run.spec.pacing.batchSize, Date.now());
  if (items.length === 0) return;
  const seq = resend?.seq ?? held?.seq ?? s.nextSeq++;
  const startedAt = Date.now();
  if (!held) {
    s.batchesSent++;
    s.retries += items.filter((i) => i.attempts > 0 && !run.redialing.has(i.index)).length;
  }
  run.batchesThisRun++;
  run.batchStarts.take(run.gapMs(), Date.now());
  run.inFlight.set(seq, items);
  publish(run);
  const calls = run.connect?.batch;
  if (!calls) throw new Error('a batch before the Connect task queues are known');
  // A batch sent again keeps its seq (its token) under an activity id of its own.
  const activityId = resend ? `batch-${seq}-again-${resend.cancelled}` : `batch-${seq}`;
  const options = { activityId, summary: `batch ${seq} · ${items.length} contacts` };
  const entries = packEntries(items.map((i): BatchEntry => [i.index, i.attempts + 1]));
  const submission = run.spec.submission;
  const rules = sendRules(run);
  const withRules = rules ? { rules } : {};
  const schedule = (): Promise<BatchResult> =>
    submission?.api === 'outbound-campaigns-v2'
      ? calls.putOutboundRequestBatch.executeWithOptions(options, [{ campaignKey: run.workflowId, seq, settings: submission, defaults: run.spec.defaults, entries, ...withRules }])
      : calls.putContactBatch.executeWithOptions(options, [
          { campaignKey: run.workflowId, instanceId: connectInstanceId(run.spec), seq, defaults: run.spec.defaults, entries, ...withRules },
        ]);
  let call: Promise<BatchResult>;
  if (run.scheduleAhead) {
    // Its own scope, so a pause or a stop can cancel it while it waits for the shared rate.
    const scope = new wf.CancellationScope();
    run.batchScopes.set(seq, scope);
    call = scope.run(schedule);
    void call.finally(() => run.batchScopes.delete(seq)).catch(() => undefined);
  } else {
    call = schedule();
  }
  void call.then(
    (result) => settleBatch(run, seq, items, result, startedAt),
    (err: unknown) => batchFailed(run, seq, items, err, resend?.cancelled ?? 0),
  );
}

/** Connect answered: created entries count, failed ones take their lane or end FAILED, the pace adapts. */
async function settleBatch(run: CampaignRun, seq: number, items: BatchItem[], result: BatchResult, startedAt: number): Promise<void> {
  const s = run.state;
  const byIndex = new Map(items.map((i) => [i.index, i]));
  const redials = redialsOf(run, items, result);
  const created = unpackIndices(result.created);
  if (created.length > 0) run.calls.unlooked = true;
  for (const index of created) {
    if (!byIndex.has(index)) continue;
    // A redial's entry counted CREATED at its first call.
    if (!redials.has(index)) s.outcomes.CREATED++;
    const waiting = run.awaitingBatch.get(index);
    if (waiting) {
      run.awaitingBatch.delete(index);
      releaseParked(run, waiting, index, true);
    }
  }
  heldBack(run, items, result, redials);
  const terminal: FailedEntry[] = [];
  let throttled = 0;
  for (const f of result.failed) {
    const item = byIndex.get(f.index);
    if (!item) continue;
    if (slowsPace(f.code)) throttled++;
    const waiting = run.awaitingBatch.get(f.index);
    if (waiting) {
      // Not dialled after all: the SMS replaces the voice contact.
      run.awaitingBatch.delete(f.index);
      releaseParked(run, waiting, f.index, false);
      continue;
    }
    const attempts = item.attempts + 1;
    const laneFailures = item.laneFailures ?? {};
    const decision = decideLane(f.code, attempts, laneFailures, run.policies, Math.random(), run.retryRules);
    if (!isKnownFailureCode(f.code)) wf.log.error('Connect answered an unknown FailureReasonCode', { code: f.code, index: f.index, seq });
    if (decision.retry) {
      // As the result's retries: a redial's own retries are not the campaign's (they are in its redials).
      if (!run.redialing.has(item.index)) run.metrics.retried(decision.lane);
      s.lanes.push({ index: item.index, attempts, laneFailures: addLaneFailure(laneFailures, f.code), lastCode: f.code, notBefore: Date.now() + decision.delayMs });
    } else if (redials.has(f.index)) {
      // A redial that failed for good: the entry keeps its first call's outcome and disposition.
      countFailureCode(s, `REDIAL_${f.code}`);
    } else {
      terminal.push(failedEntry(run, item.index, f.code, { why: decision.why }));
    }
  }
  for (const { index } of items) if (!s.lanes.some((l) => l.index === index)) run.redialing.delete(index);
  s.pace = run.retryRules.retryAtPace
    ? paceAfterAnswer(s.pace, { seq, startedAt, sent: items.length, throttled }, run.spec.pacing, s.nextSeq)
    : paceAfterBatch(s.pace, { sent: items.length, throttled, batchSize: run.spec.pacing.batchSize }, run.spec.pacing.adaptive);
  settled(run, seq);
  await recordFailed(run, terminal);
  run.inFlight.delete(seq);
  publish(run);
}

/**
 * Entries the calling rules held back from the batch: suppressed ones count SUPPRESSED (the
 * activity recorded them), deferred ones wait in the store. A deflection parked for a
 * deferred entry is sent now, as for an entry that was not dialled; one parked for a
 * suppressed number is dropped (no SMS to a number on a suppression list).
 */
function heldBack(run: CampaignRun, items: BatchItem[], result: BatchResult, redials: ReadonlySet<number>): void {
  if (!result.suppressed && !result.deferred) return;
  const suppressed = unpackIndices(result.suppressed ?? []);
  const answered = new Set([...unpackIndices(result.created), ...result.failed.map((f) => f.index)]);
  const dropped = new Set(suppressed);
  // A redial to a number suppressed since its first call is not sent; the entry stays CREATED.
  run.state.outcomes.SUPPRESSED += suppressed.filter((index) => !redials.has(index)).length;
  entriesWaited(run, result.deferred);
  for (const { index } of items) {
    const waiting = answered.has(index) ? undefined : run.awaitingBatch.get(index);
    if (!waiting) continue;
    run.awaitingBatch.delete(index);
    if (!dropped.has(index)) releaseParked(run, waiting, index, false);
  }
}

/** The batch's redials (call outcomes): what the activity found called before, and what this run released as redials. */
function redialsOf(run: CampaignRun, items: BatchItem[], result: BatchResult): Set<number> {
  const redials = new Set(unpackIndices(result.redials ?? []));
  for (const { index } of items) if (run.redialing.has(index)) redials.add(index);
  return redials;
}

/** The first held batch, taken off the carried state. */
function takeHeldBatch(run: CampaignRun): HeldBatch | undefined {
  const s = run.state;
  const held = s.heldBatches?.shift();
  if (s.heldBatches?.length === 0) delete s.heldBatches;
  return held;
}

/**
 * The whole call failed: wait for the v2 campaign, split an invalid batch, pause on a refusal
 * (403, 404, credentials) holding the batch, or fail its entries.
 */
async function batchFailed(run: CampaignRun, seq: number, items: BatchItem[], err: unknown, cancelledBefore = 0): Promise<void> {
  if (run.scheduleAhead && wf.isCancellation(err)) {
    unsent(run, seq, items, cancelledBefore + 1);
    return;
  }
  const cause = (err as ActivityFailure).cause;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? '') : '';
  const message = cause?.message ?? (err as Error).message;
  const s = run.state;
  const rest = items.filter((i) => {
    const waiting = run.awaitingBatch.get(i.index);
    if (!waiting) return true;
    run.awaitingBatch.delete(i.index);
    releaseParked(run, waiting, i.index, false);
    return false;
  });

  if (type === connectFailureTypes.v2CampaignNotRunning) {
    // Nothing was accepted: the same requests go again, with the same tokens, once the v2 campaign runs.
    if (rest.length > 0) s.splits.unshift(rest);
    run.inFlight.delete(seq);
    waitForV2Campaign(run, message);
    return;
  }
  if (type === connectFailureTypes.invalidRequest && rest.length > 1) {
    s.splits.push(...splitBatch(rest));
    run.inFlight.delete(seq);
    publish(run);
    return;
  }
  if (campaignPausingTypes.includes(type) && pausesOnRefusal()) {
    holdRefusedBatch(run, seq, rest, type, message);
    return;
  }
  const code = outcomeCodeForCallFailure(type);
  if (campaignStoppingTypes.includes(type) && run.phase.name !== 'failing') {
    run.phase = { name: 'failing', reason: message, code };
    run.cancelScheduledBatches();
    wf.log.error('Campaign stopped: Amazon Connect refuses its calls', { reason: message });
  } else if (type === connectFailureTypes.idempotencyDefect) {
    wf.log.error('Defect: a client token was reused with other contents', { seq, message });
  }
  // A redial keeps its first call's outcome (CREATED).
  const failed = rest.filter((i) => !run.redialing.has(i.index)).map((i) => failedEntry(run, i.index, code, { message }));
  settled(run, seq);
  await recordFailed(run, failed);
  run.inFlight.delete(seq);
  publish(run);
}

/**
 * patch 'pause-on-connect-refusal' (2026-12): Connect refusing the campaign's calls (403, 404,
 * credentials whose retries ran out) pauses the campaign with what to fix and holds the batch
 * for the resume, instead of failing the campaign with the unsent entries CANCELLED. The old
 * branch is needed by test/histories/fail-fast-403.json and campaigns started before it;
 * test/histories/pause-on-refusal-403.json takes the new one.
 */
function pausesOnRefusal(): boolean {
  return wf.patched('pause-on-connect-refusal');
}

/**
 * Holds a refused batch for the resume and pauses the campaign with the reason, which says
 * what to fix and how to go on. Nothing of the batch was accepted by this answer: its entries
 * go again with the same sequence number, so the same client token (invariant 1). A campaign
 * already cancelling keeps cancelling, and finish() marks the held entries CANCELLED.
 */
function holdRefusedBatch(run: CampaignRun, seq: number, items: BatchItem[], type: string, message: string): void {
  const s = run.state;
  if (items.length > 0) s.heldBatches = [...(s.heldBatches ?? []), { seq, items }];
  run.inFlight.delete(seq);
  if (!run.stopping()) {
    const alreadyRefused = run.phase.name === 'paused' && run.phase.connectRefused !== undefined;
    const id = run.spec.campaignId;
    run.phase = {
      name: 'paused',
      reason: `${message}; then \`connect-dialer resume --campaign-id ${id}\` sends the held batch again (or \`connect-dialer cancel --campaign-id ${id}\` ends the campaign)`,
      connectRefused: type,
    };
    // The batches scheduled behind it would be refused too: they wait for the resume instead.
    run.cancelScheduledBatches();
    if (!alreadyRefused) {
      wf.log.error('Campaign paused: Amazon Connect refuses its calls', { seq, reason: message });
      run.metrics.pausedByConnect(pauseCauseOf(type));
    }
  }
  publish(run);
}

/**
 * A batch cancelled by a pause or a stop before Connect answered it: the same entries wait to
 * go again under the same sequence number, so the same token (its call may have reached
 * Connect if an earlier attempt's worker died); a stop marks them CANCELLED instead. Its
 * entries' deflections keep waiting for it. Not counted as sent.
 */
function unsent(run: CampaignRun, seq: number, items: BatchItem[], cancelled: number): void {
  const s = run.state;
  s.batchesSent--;
  run.batchesThisRun--;
  s.retries -= items.filter((i) => i.attempts > 0).length;
  run.resends.push({ seq, items, cancelled });
  run.resends.sort((a, b) => a.seq - b.seq);
  run.inFlight.delete(seq);
  publish(run);
}

/**
 * The batch's answer is taken in: its entries are no longer "in flight" for a deflection (one
 * arriving now finds them in a lane, or their outcome in the store), while the batch keeps its
 * slot until its FAILED outcomes are recorded, so the run cannot end before they are. Without
 * this, a deflection accepted during that wait was parked for an answer already taken in, and
 * never sent (the steering storm's 199 SMS for 200 accepted deflections).
 */
function settled(run: CampaignRun, seq: number): void {
  // patch 'settled-batch-not-in-flight' (2026-11): the old branch (entries stay "in flight")
  // is needed by campaigns started before it; no stored history hits the race (replay.test).
  if (wf.patched('settled-batch-not-in-flight')) run.inFlight.set(seq, []);
}

/** Counts an entry FAILED; its outcome is written by recordFailed. */
export function failedEntry(run: CampaignRun, index: number, code: string, why: { why: string } | { message: string }): FailedEntry {
  run.state.outcomes.FAILED++;
  countFailureCode(run.state, code);
  return { index, code, ...why };
}

export async function recordFailed(run: CampaignRun, entries: FailedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await housekeeping.recordFailed.executeWithOptions({ summary: `record ${entries.length} failed` }, [{ campaignKey: run.workflowId, entries }]);
}
