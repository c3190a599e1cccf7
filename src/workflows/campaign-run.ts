import * as wf from '@temporalio/workflow';
import { nextDue, type BatchItem } from '../domain/batch-assembly';
import { DeflectionAnswers } from '../domain/deflection-answers';
import { defaultLanePolicies, pacedLanePolicies, resolveLanePolicies, type LanePolicies, type RetryRules } from '../domain/lane-policies';
import { scheduledAheadBatches, workflowGapMs } from '../domain/scheduled-ahead';
import type { ConnectRates } from '../domain/connect-queues';
import { batchGapMs } from '../domain/pace';
import type { CampaignStatus } from '../domain/progress';
import { StartBudget } from '../domain/start-budget';
import type { ReadyDeflection } from '../activities';
import type { ConnectCalls } from './activity-proxies';
import { CampaignMetrics } from './campaign-metrics';
import { heldEntriesBound } from '../domain/carried-budget';
import { historyFull, smallestPage } from '../domain/run-length';
import { noneWaiting, type WaitingCounts } from '../domain/waiting';
import { carriedOrInitial, type CampaignInput, type Phase, type RunState } from './campaign-state';

/** The run's look at its calls' outcomes. */
export interface CallsLook {
  /** Calls were placed since the last look. */
  unlooked: boolean;
  /** Calls whose disposition was unknown at the last look. */
  pending: number;
  /** When to look next (workflow time, ms), and the wait that set it (it doubles while nothing changes). */
  nextLookAt: number;
  waitMs: number;
  /** Since when the run has had nothing left to send (its settle time counts from then). */
  quietSince?: number;
  /** Entries by the final disposition of their calls, at the last look. */
  counts?: Record<string, number>;
}

/** Ready deflections remembered in memory at most (about 100 bytes each). */
const RECENTLY_READY_MAX = 1_000;

/** A deflection waiting for its entry's batch to answer; the budgeted run keeps its text in the store. */
export interface ParkedDeflection {
  requestIdentifier: string;
  message?: string;
  attributes?: Record<string, string>;
}

/**
 * One run of a campaign: what it carries across continue-as-new (`state`) and what lives only
 * as long as the run (batches in flight, start budgets, lookups). The parts of the workflow
 * (batches, deflections, reporting) work on it, and its predicates are what the workflow's
 * waits name.
 */
export class CampaignRun {
  readonly spec: CampaignInput['spec'];
  readonly state: RunState;
  readonly workflowId = wf.workflowInfo().workflowId;
  /**
   * patch 'carried-state-budget' (2026-12), decided once per run: deflections live in the
   * store, pages stop while the run holds its bound of entries, the carried state is packed.
   * Old branch (deflections, their messages and ids carried) needed by test/histories/
   * deflection.json and continue-as-new.run-*.json and by runs started before it.
   */
  readonly budgeted: boolean;
  readonly policies: LanePolicies;
  /** Throttled and buffer-full entries retry at the pace, and the pace is paceAfterAnswer's (docs/architecture.md, "Lanes"). */
  readonly retryRules: RetryRules;
  readonly metrics: CampaignMetrics;
  readonly answers: DeflectionAnswers;
  /**
   * patch 'calling-rules' (2026-12), decided once per run: suppression lists are checked at
   * staging and before each send (SUPPRESSED), a calling window holds entries in the store
   * until it opens, and `endAt` ends the campaign. Without a window or an end the campaign
   * runs as before but for the suppression check. The old branch (no rules passed to the
   * activities) is needed by every stored history recorded before it and campaigns started
   * before it. No stored history takes the new branch yet (test/calling-window.test.ts runs it
   * on the time-skipping server); recording one is left to do.
   */
  readonly callingRules: boolean;
  /**
   * patch 'call-outcomes-redial' (2026-12), decided once per run for campaigns whose
   * `callOutcomes` redial or send SMS: the run looks at its calls' dispositions while it
   * dispatches, redials wait in the store, SMS after a voicemail go through the deflection
   * path, and the campaign is done only when its calls are. The old branch (dispositions only
   * settled at the end, src/workflows/call-settling.ts) is needed by campaigns started before it.
   */
  readonly outcomeActions: boolean;
  /** Where the run's look at its calls stands (call-outcome-actions.ts); lives as long as the run. */
  readonly calls: CallsLook = { unlooked: true, pending: 0, nextLookAt: 0, waitMs: 0 };
  /** Entries released as redials in this run: their outcome is CREATED already (a whole-batch failure keeps it). */
  readonly redialing = new Set<number>();
  /** Entries waiting in the store for their calling window (counts only; a continued run asks the store). */
  waiting: WaitingCounts = noneWaiting();
  /** Releases of waiting entries in this run: with the run id, each release's id. */
  releases = 0;
  /** Batches in flight by sequence number, with their entries. */
  readonly inFlight = new Map<number, BatchItem[]>();
  /**
   * patch 'connect-calls-scheduled-ahead' (2026-12), decided once per run: the run keeps
   * seconds of the shared rate scheduled (src/domain/scheduled-ahead.ts) and cancels the
   * batches not started when it pauses or stops. Runs begun before it keep `batchesInFlight`.
   */
  readonly scheduleAhead = wf.patched('connect-calls-scheduled-ahead');
  /**
   * patch 'pages-of-half-a-window' (2026-12), decided once per run, with scheduleAhead: a page
   * is read only when half the window fits under the held bound (src/domain/run-length.ts),
   * instead of a batch or two after nearly every launch.
   */
  readonly halfWindowPages = this.scheduleAhead && wf.patched('pages-of-half-a-window');
  /**
   * patch 'runs-of-9000-events' (2026-12), decided once per run: the run continues as new at
   * 9,000 events of history (or 8 MiB) instead of at the server's suggestion for its event count
   * (4,096 by default; one for size or updates is followed), so the backlog drains for a new run
   * half as often. Runs begun before it follow every suggestion.
   */
  readonly ownHistoryLimits = wf.patched('runs-of-9000-events');
  /** The workers' shared Connect rates, asked once per run (with scheduleAhead). */
  sharedRates?: ConnectRates;
  /** How to cancel each batch in flight before it starts (with scheduleAhead). */
  readonly batchScopes = new Map<number, wf.CancellationScope>();
  /**
   * Batches cancelled before their call was answered, sent again with the same sequence number
   * (so the same token, invariant 1: a cancelled call may have reached Connect). Never carried:
   * the run does not continue as new while it holds any.
   */
  readonly resends: { seq: number; items: BatchItem[]; cancelled: number }[] = [];
  /** Deflections of entries in a batch in flight (by index), settled when the batch returns. */
  readonly awaitingBatch = new Map<number, ParkedDeflection>();
  /** RequestIdentifiers being looked up for a deflection. */
  readonly lookingUp = new Set<string>();
  /** RequestIdentifiers accepted for deflection whose record in the store is not written yet. */
  readonly recording = new Set<string>();
  /** Entries of the unread part deflected in this run: dropped from a page that still holds them. */
  readonly unreadDeflected = new Set<number>();
  /**
   * The newest ready deflections this run wrote, orders contiguous: the SMS pump takes them
   * from here instead of reading back what was just written (bounded; the store has them all).
   */
  readonly recentlyReady: ReadyDeflection[] = [];
  /** Parked deflections whose batch answered, waiting for their write to the store (releaseParked). */
  readonly toRelease: { requestIdentifier: string; index: number; afterCall: boolean }[] = [];
  /** Writes of deflections to the store, one at a time so orders are written in order. */
  deflectionWrites: Promise<void> = Promise.resolve();
  pendingDeflectionWrites = 0;
  readonly batchStarts = new StartBudget();
  readonly chatStarts = new StartBudget();
  chatsInFlight = 0;
  batchesThisRun = 0;
  watchingV2Campaign = false;
  /** The status last written to the search attribute. */
  publishedStatus?: CampaignStatus;
  /** Set when dispatch stops: the run drains, then continues as new or finishes. */
  drain?: 'continue' | 'finish';
  connect?: ConnectCalls;

  constructor(input: CampaignInput) {
    this.spec = input.spec;
    this.state = carriedOrInitial(input.carried, Date.now());
    this.budgeted = wf.patched('carried-state-budget');
    // patch 'throttles-retry-at-the-pace' (2026-12): throttled and buffer-full entries are due at
    // once and the pace finds the rate Connect takes (AIMD, src/domain/pace.ts), instead of a
    // per-entry backoff and a pace that pins at 30 s a batch. The old branch is needed by
    // test/histories/throttled.before-throttles-retry-at-the-pace.json, v2.before-….json,
    // continue-as-new.run-*.json and campaigns started before it; throttled.json and v2.json take the new one.
    this.retryRules = { retryAtPace: wf.patched('throttles-retry-at-the-pace') };
    this.policies = resolveLanePolicies(this.spec.lanes, this.retryRules.retryAtPace ? pacedLanePolicies : defaultLanePolicies);
    this.metrics = new CampaignMetrics(input.spec.campaignId, input.spec.pacing);
    this.answers = new DeflectionAnswers(this.state.answers);
    this.callingRules = wf.patched('calling-rules');
    const outcomes = this.spec.callOutcomes;
    const acts = outcomes !== undefined && (outcomes.redial.length > 0 || outcomes.smsOn.length > 0);
    this.outcomeActions = acts && this.budgeted && this.callingRules && wf.patched('call-outcomes-redial');
  }

  get phase(): Phase {
    return this.state.phase;
  }

  set phase(phase: Phase) {
    this.state.phase = phase;
  }

  /** Cancelling or failing: no new batch, no new deflection. */
  stopping(): boolean {
    return this.phase.name === 'cancelling' || this.phase.name === 'failing';
  }

  shouldContinueAsNew(): boolean {
    if (this.resends.length > 0) return false;
    const limit = this.spec.continueAsNewAfterBatches;
    return historyFull(wf.workflowInfo(), this.ownHistoryLimits) || (limit !== undefined && this.batchesThisRun >= limit);
  }

  /** The queue runs low and the list has more (and, budgeted, the run has room for a page): read the next page before sending. */
  needsPage(): boolean {
    const { batchSize } = this.spec.pacing;
    const window = this.batchesAhead();
    const low = this.phase.name === 'running' && !this.state.listDone && this.state.queue.length < batchSize * window;
    return low && (!this.budgeted || this.pageRoom() >= smallestPage(batchSize, window, this.halfWindowPages));
  }

  /**
   * Entries a page may bring: back-pressure keeps what the run holds (queue, lanes, splits,
   * batches held after a refusal and batches in flight) within heldEntriesBound, so what it carries stays within its budget.
   */
  pageRoom(): number {
    const s = this.state;
    let held = s.queue.length + s.lanes.length;
    for (const group of s.splits) held += group.length;
    for (const batch of s.heldBatches ?? []) held += batch.items.length;
    for (const items of this.inFlight.values()) held += items.length;
    for (const resend of this.resends) held += resend.items.length;
    // The bound follows the batches scheduled ahead (≤ 100, as batchesInFlight's own maximum).
    return heldEntriesBound({ batchSize: this.spec.pacing.batchSize, batchesInFlight: this.batchesAhead() }) - held;
  }

  /** Remembers deflections just written as ready (orders following each other), for the SMS pump. */
  wroteReady(ready: readonly ReadyDeflection[]): void {
    const first = ready[0];
    if (!first) return;
    if (this.recentlyReady.at(-1)?.order !== first.order - 1) this.recentlyReady.length = 0;
    if (this.recentlyReady.length + ready.length <= RECENTLY_READY_MAX) this.recentlyReady.push(...ready);
  }

  /**
   * Writes deflections to the store after those before them (their orders are given in
   * order); the run drains only once every write is done.
   */
  writeDeflections(write: () => Promise<void>): Promise<void> {
    this.pendingDeflectionWrites++;
    const done = this.deflectionWrites.then(write).finally(() => this.pendingDeflectionWrites--);
    this.deflectionWrites = done.catch(() => undefined);
    return done;
  }

  /** Batches the run keeps scheduled on its Connect task queue: `batchesInFlight`, or seconds of the shared rate. */
  batchesAhead(): number {
    const { batchesInFlight, scheduleAheadSeconds } = this.spec.pacing;
    return this.scheduleAhead ? scheduledAheadBatches(batchesInFlight, this.sharedRate(), scheduleAheadSeconds) : batchesInFlight;
  }

  /**
   * Cancels the batches scheduled ahead (on a pause, a stop, or Connect refusing the campaign):
   * the oldest `batchesInFlight` are left to finish (the ones most likely in Connect's hands, as
   * before this patch); the rest end at once if not started, and a started one at its next
   * heartbeat (its HTTP call abandoned) unless its answer comes first. Cancelled ones wait in
   * `resends` for the resume.
   */
  cancelScheduledBatches(): void {
    // A run draining to continue as new lets its batches finish: it carries no resends.
    if (this.drain === 'continue' && !this.stopping()) return;
    const seqs = [...this.batchScopes.keys()].sort((a, b) => a - b);
    for (const seq of seqs.slice(this.spec.pacing.batchesInFlight)) this.batchScopes.get(seq)?.cancel();
  }

  /** A batch may start now: running, room in flight, something to send, and the pace allows it. */
  canLaunch(now: number): boolean {
    return this.phase.name === 'running' && this.hasRoom() && this.hasSendable(now) && this.startWaitMs(now) === 0;
  }

  /** Everything sent and settled, every deflection sent: the campaign is done. */
  isComplete(): boolean {
    const s = this.state;
    return (
      s.listDone &&
      s.queue.length === 0 &&
      s.lanes.length === 0 &&
      s.splits.length === 0 &&
      (s.heldBatches?.length ?? 0) === 0 &&
      this.resends.length === 0 &&
      this.inFlight.size === 0 &&
      s.deflections.length === 0 &&
      s.deflectionOrders.taken === s.deflectionOrders.ordered &&
      this.pendingDeflectionWrites === 0 &&
      this.chatsInFlight === 0 &&
      this.lookingUp.size === 0 &&
      this.waiting.total === 0
    );
  }

  /** Nothing left in flight that the run must wait for before it ends. */
  isDrained(): boolean {
    return this.inFlight.size === 0 && this.chatsInFlight === 0 && this.pendingDeflectionWrites === 0;
  }

  /**
   * When a batch could start with nothing else changing (a lane falls due, the pace allows),
   * as workflow time; undefined when only a change (a batch returning, a signal) can tell.
   * The dispatch loop sleeps until then and wakes early when this answer changes.
   */
  nextWakeAt(now: number): number | undefined {
    if (this.phase.name !== 'running' || !this.hasRoom()) return undefined;
    const paceAt = now + this.startWaitMs(now);
    const s = this.state;
    if (this.resends.length > 0 || s.splits.length > 0 || s.queue.length > 0 || (s.heldBatches?.length ?? 0) > 0) return paceAt;
    const due = nextDue(s.lanes);
    return due === undefined ? undefined : Math.max(due, paceAt);
  }

  /** The gap the workflow keeps between batch starts; with scheduleAhead, only where the campaign's pace is stricter than the shared rate. */
  gapMs(): number {
    const gap = batchGapMs(this.spec.pacing, this.state.pace);
    return this.scheduleAhead ? workflowGapMs(gap, this.sharedRate()) : gap;
  }

  private sharedRate(): number | undefined {
    const rates = this.sharedRates;
    if (!rates) return undefined;
    return this.spec.submission?.api === 'outbound-campaigns-v2' ? rates.outboundRequests : rates.batchPutContact;
  }

  private hasRoom(): boolean {
    return this.inFlight.size < this.batchesAhead();
  }

  private hasSendable(now: number): boolean {
    const s = this.state;
    return this.resends.length > 0 || s.splits.length > 0 || s.queue.length > 0 || (s.heldBatches?.length ?? 0) > 0 || s.lanes.some((i) => i.notBefore <= now);
  }

  private startWaitMs(now: number): number {
    return this.batchStarts.waitMs(this.gapMs(), now);
  }
}
