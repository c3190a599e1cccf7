import * as wf from '@temporalio/workflow';
import { nextDue, type BatchItem } from '../domain/batch-assembly';
import { DeflectionAnswers } from '../domain/deflection-answers';
import { defaultLanePolicies, pacedLanePolicies, resolveLanePolicies, type LanePolicies, type RetryRules } from '../domain/lane-policies';
import { batchGapMs } from '../domain/pace';
import type { CampaignStatus } from '../domain/progress';
import { StartBudget } from '../domain/start-budget';
import type { ConnectCalls } from './activity-proxies';
import { CampaignMetrics } from './campaign-metrics';
import { carriedOrInitial, type CampaignInput, type CarriedState, type PendingDeflection, type Phase } from './campaign-state';

/**
 * One run of a campaign: what it carries across continue-as-new (`state`) and what lives only
 * as long as the run (batches in flight, start budgets, lookups). The parts of the workflow
 * (batches, deflections, reporting) work on it, and its predicates are what the workflow's
 * waits name.
 */
export class CampaignRun {
  readonly spec: CampaignInput['spec'];
  readonly state: CarriedState;
  readonly workflowId = wf.workflowInfo().workflowId;
  readonly policies: LanePolicies;
  /** Throttled and buffer-full entries retry at the pace, and the pace is paceAfterAnswer's (docs/architecture.md, "Lanes"). */
  readonly retryRules: RetryRules;
  readonly metrics: CampaignMetrics;
  readonly answers: DeflectionAnswers;
  /** Batches in flight by sequence number, with their entries. */
  readonly inFlight = new Map<number, BatchItem[]>();
  /** Deflections of entries in a batch in flight (by index), settled when the batch returns. */
  readonly awaitingBatch = new Map<number, Omit<PendingDeflection, 'index' | 'afterCall'>>();
  /** RequestIdentifiers being looked up for a deflection. */
  readonly lookingUp = new Set<string>();
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
    // patch 'throttles-retry-at-the-pace' (2026-12): throttled and buffer-full entries are due at
    // once and the pace finds the rate Connect takes (AIMD, src/domain/pace.ts), instead of a
    // per-entry backoff and a pace that pins at 30 s a batch. The old branch is needed by
    // test/histories/throttled.before-throttles-retry-at-the-pace.json, v2.before-….json,
    // continue-as-new.run-*.json and campaigns started before it; throttled.json and v2.json take the new one.
    this.retryRules = { retryAtPace: wf.patched('throttles-retry-at-the-pace') };
    this.policies = resolveLanePolicies(this.spec.lanes, this.retryRules.retryAtPace ? pacedLanePolicies : defaultLanePolicies);
    this.metrics = new CampaignMetrics(input.spec.campaignId, input.spec.pacing);
    this.answers = new DeflectionAnswers(this.state.answers);
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
    const limit = this.spec.continueAsNewAfterBatches;
    return wf.workflowInfo().continueAsNewSuggested || (limit !== undefined && this.batchesThisRun >= limit);
  }

  /** The queue runs low and the list has more: read the next page before sending. */
  needsPage(): boolean {
    const { batchSize, batchesInFlight } = this.spec.pacing;
    return this.phase.name === 'running' && !this.state.listDone && this.state.queue.length < batchSize * batchesInFlight;
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
      this.inFlight.size === 0 &&
      s.deflections.length === 0 &&
      this.chatsInFlight === 0 &&
      this.lookingUp.size === 0
    );
  }

  /** Nothing left in flight that the run must wait for before it ends. */
  isDrained(): boolean {
    return this.inFlight.size === 0 && this.chatsInFlight === 0;
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
    if (s.splits.length > 0 || s.queue.length > 0) return paceAt;
    const due = nextDue(s.lanes);
    return due === undefined ? undefined : Math.max(due, paceAt);
  }

  gapMs(): number {
    return batchGapMs(this.spec.pacing, this.state.pace);
  }

  private hasRoom(): boolean {
    return this.inFlight.size < this.spec.pacing.batchesInFlight;
  }

  private hasSendable(now: number): boolean {
    const s = this.state;
    return s.splits.length > 0 || s.queue.length > 0 || s.lanes.some((i) => i.notBefore <= now);
  }

  private startWaitMs(now: number): number {
    return this.batchStarts.waitMs(this.gapMs(), now);
  }
}
