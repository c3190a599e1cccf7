import * as wf from '@temporalio/workflow';
import { ApplicationFailure, type ActivityFailure } from '@temporalio/common';
import type { CampaignActivities, ContactLookup, FailedEntry } from '../activities';
import type { BatchEntry, BatchResult } from '../domain/batch';
import { campaignStoppingTypes, connectFailureTypes, dialListInvalidType, retryableConnectFailureTypes } from '../domain/connect-failures';
import { batchClientToken, chatClientToken } from '../domain/client-token';
import { fairnessKeyFor } from '../domain/connect-queues';
import { deflectRequestSchema, deflectSignalSchema, type DeflectAnswer, type DeflectRequest } from '../domain/deflection';
import { DeflectionAnswers } from '../domain/deflection-answers';
import { addLaneFailure, decideLane, isKnownFailureCode, resolveLanePolicies, slowsPace } from '../domain/failure-lanes';
import { cancelSignal, deflectionAnswerQuery, deflectToChatSignal, deflectToChatUpdate, pauseSignal, progressQuery, resumeSignal } from '../domain/messages';
import { batchGapMs, paceAfterBatch } from '../domain/pace';
import { StartBudget } from '../domain/start-budget';
import { formatProgressDetails, type CampaignResult, type CampaignStatus, type Progress } from '../domain/progress';
import { nextDue, splitBatch, takeBatch, waitingByLane, type BatchItem } from '../domain/retry-lanes'; // metrics: waitingByLane (status --watch)
import { campaignStatusKey } from '../domain/search-attributes';
import { countFailureCode, initialState, type CampaignInput, type CarriedState, type PendingDeflection } from './campaign-state';
import { CampaignMetrics } from './campaign-metrics'; // metrics:

const housekeeping = wf.proxyActivities<CampaignActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

type ConnectCalls = Pick<CampaignActivities, 'putContactBatch' | 'putOutboundRequestBatch' | 'startOutboundChat'>;

/**
 * Connect calls go through the deployment's Connect task queue for their API, paced by the
 * server for every campaign and worker together (invariant 6); each campaign is its own
 * fairness key, so campaigns share that rate evenly (or by weight) where the server has
 * fairness on. 429s and 5xx are retried here with the same token; the listed types are for
 * the workflow to act on.
 */
function connectCallsOn(taskQueue: string, campaignKey: string, fairnessWeight: number | undefined): wf.ActivityInterfaceFor<ConnectCalls> {
  return wf.proxyActivities<ConnectCalls>({
    taskQueue,
    priority: { fairnessKey: fairnessKeyFor(campaignKey), ...(fairnessWeight !== undefined ? { fairnessWeight } : {}) },
    // One HTTP call with the SDK's own retries (src/connect-client.ts bounds each try). The call
    // heartbeats while it waits, so a call on a worker that died is retried after 5 s, not 30.
    // Time waiting for the shared rate is schedule-to-start, which has no limit.
    startToCloseTimeout: '30 seconds',
    heartbeatTimeout: '5 seconds',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 30,
      nonRetryableErrorTypes: Object.values(connectFailureTypes).filter((t) => !retryableConnectFailureTypes.includes(t)),
    },
  });
}

type Deflected = { accepted: true } | { accepted: false; reason: DeflectAnswer['refused'][number]['reason']; detail: string } | { accepted: 'lookup' };

/**
 * The campaign workflow: stages the dial list, sends it in batches of at most 25 through
 * BatchPutContact, retries failed entries along their lanes, deflects contacts to SMS on
 * request, and ends with exactly one outcome per entry (DESIGN.md invariants 1-4).
 */
export async function campaign(input: CampaignInput): Promise<CampaignResult> {
  const run = new CampaignRun(input);
  return run.execute();
}

/** Why a campaign whose every entry was rejected failed: the most frequent rule, with its count. */
function allRejectedReason(total: number, common: { field: string; reason: string; count: number; firstIndex: number }): string {
  const share = common.count === total ? `all ${total}` : `${common.count} of the ${total}`;
  return `every entry was rejected, nothing was sent; ${share} for ${common.field}: ${common.reason} (first at entry ${common.firstIndex})`;
}

class CampaignRun {
  private readonly spec: CampaignInput['spec'];
  private readonly state: CarriedState;
  private readonly workflowId = wf.workflowInfo().workflowId;
  private readonly policies;
  private readonly inFlight = new Map<number, BatchItem[]>();
  /** Deflections of entries in a batch in flight (by index), settled when the batch returns. */
  private readonly awaitingBatch = new Map<number, Omit<PendingDeflection, 'index' | 'afterCall'>>();
  private readonly lookingUp = new Set<string>();
  private chatsInFlight = 0;
  private batchesThisRun = 0;
  private readonly batchStarts = new StartBudget();
  private readonly chatStarts = new StartBudget();
  private readonly answers: DeflectionAnswers;
  private watchingV2Campaign = false;
  private fatal?: { reason: string; code: string };
  /** Set once dispatch returns: the run drains before it ends ('done') or continues as new ('continue'). */
  private draining?: 'done' | 'continue';
  private epoch = 0;
  private publishedStatus?: CampaignStatus;
  private connectCalls?: { batch: wf.ActivityInterfaceFor<ConnectCalls>; chat: wf.ActivityInterfaceFor<ConnectCalls> };
  private readonly metrics: CampaignMetrics; // metrics:

  constructor(input: CampaignInput) {
    this.spec = input.spec;
    this.metrics = new CampaignMetrics(input.spec.campaignId, input.spec.pacing); // metrics:
    this.state = input.carried ?? initialState(Date.now());
    this.policies = resolveLanePolicies(this.spec.lanes);
    this.answers = new DeflectionAnswers(this.state.answers);
    // A run carried over while the v2 campaign was not running keeps asking.
    if (this.state.waitingForV2Campaign !== undefined) this.waitForV2Campaign(this.state.waitingForV2Campaign);
    this.installHandlers();
  }

  async execute(): Promise<CampaignResult> {
    // A cancellation request (UI, CLI, handle.cancel()) ends the campaign the graceful way,
    // like the cancel signal: everything below runs non-cancellable and watches the flag.
    wf.CancellationScope.current().cancelRequested.catch(() => this.requestCancel('cancellation requested'));
    return wf.CancellationScope.nonCancellable(() => this.runCampaign());
  }

  private async runCampaign(): Promise<CampaignResult> {
    this.publish();
    this.state.connectQueues ??= await housekeeping.connectTaskQueues.executeWithOptions({ summary: 'where Connect calls go' }, []);
    const queues = this.state.connectQueues;
    const weight = this.spec.pacing.fairnessWeight;
    const batchQueue = this.spec.submission?.api === 'outbound-campaigns-v2' ? queues.outboundRequests : queues.batchPutContact;
    this.connectCalls = { batch: connectCallsOn(batchQueue, this.workflowId, weight), chat: connectCallsOn(queues.chat, this.workflowId, weight) };
    if (!this.state.staged) {
      const summary = await housekeeping.stageDialList
        .executeWithOptions({ summary: 'stage the dial list' }, [{ campaignKey: this.workflowId, source: this.spec.dialList, defaults: this.spec.defaults, validation: this.spec.validation, api: this.spec.submission?.api }])
        .catch((err: unknown) => {
          const cause = (err as ActivityFailure).cause;
          if (cause instanceof ApplicationFailure && cause.type === dialListInvalidType) {
            this.fatal = { reason: cause.message, code: dialListInvalidType };
            throw this.campaignFailed(this.result('FAILED'));
          }
          throw err;
        });
      this.state.staged = { total: summary.total, valid: summary.valid, rejected: summary.rejected };
      this.state.outcomes.REJECTED += summary.rejected;
      this.metrics.settled('REJECTED', summary.rejected); // metrics:
      if (summary.rejected > 0) countFailureCode(this.state, 'REJECTED_BEFORE_SENDING', summary.rejected);
      const common = summary.commonRejection;
      if (summary.valid === 0 && common) {
        // Nothing can be sent: one mistake (no queue, the wrong phone column) rejected the list.
        this.fatal = { reason: allRejectedReason(summary.total, common), code: 'ALL_REJECTED' };
      }
      this.publish();
    }

    const chatPump = this.pumpDeflections();
    const next = await this.dispatch();
    this.draining = next;
    this.touch();
    await wf.condition(() => this.inFlight.size === 0 && this.chatsInFlight === 0);
    await chatPump;
    await wf.condition(wf.allHandlersFinished);

    if (next === 'continue' && !this.ending()) {
      const carried: CarriedState = { ...this.state, runs: this.state.runs + 1, answers: this.answers.toCarried() };
      // The list is staged: the next run needs its cursor, not its entries.
      const spec = this.spec.dialList.kind === 'inline' ? { ...this.spec, dialList: { kind: 'inline' as const, entries: [] } } : this.spec;
      return wf.continueAsNew<typeof campaign>({ spec, carried });
    }
    return this.finish();
  }

  /** Starts batches until the list is done, the campaign ends, or history asks for a new run. */
  private async dispatch(): Promise<'done' | 'continue'> {
    const { batchSize, batchesInFlight } = this.spec.pacing;
    for (;;) {
      if (this.ending()) return 'done';
      if (this.shouldContinueAsNew()) return 'continue';
      if (this.state.paused) {
        await wf.condition(() => !this.state.paused || this.ending());
        continue;
      }
      if (!this.state.listDone && this.state.queue.length < batchSize * batchesInFlight) {
        await this.readPage();
        continue;
      }
      if (this.inFlight.size >= batchesInFlight) {
        await this.waitForChange();
        continue;
      }
      const wait = this.batchStarts.waitMs(batchGapMs(this.spec.pacing, this.state.pace), Date.now());
      if (wait > 0) {
        await this.waitForChange(wait);
        continue;
      }
      const items = this.state.splits.shift() ?? takeBatch(this.state.lanes, this.state.queue, batchSize, Date.now());
      if (items.length > 0) {
        this.launchBatch(items);
        continue;
      }
      if (this.isComplete()) {
        await wf.condition(wf.allHandlersFinished);
        if (this.isComplete()) return 'done';
        continue;
      }
      const due = nextDue(this.state.lanes);
      await this.waitForChange(due === undefined ? undefined : Math.max(1, due - Date.now()));
    }
  }

  private connect(): { batch: wf.ActivityInterfaceFor<ConnectCalls>; chat: wf.ActivityInterfaceFor<ConnectCalls> } {
    if (!this.connectCalls) throw new Error('Connect calls before the Connect task queues are known');
    return this.connectCalls;
  }

  private isComplete(): boolean {
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

  private ending(): boolean {
    return this.fatal !== undefined || this.state.cancelReason !== undefined;
  }

  private shouldContinueAsNew(): boolean {
    const limit = this.spec.continueAsNewAfterBatches;
    return wf.workflowInfo().continueAsNewSuggested || (limit !== undefined && this.batchesThisRun >= limit);
  }

  private async waitForChange(timeoutMs?: number): Promise<void> {
    const seen = this.epoch;
    if (timeoutMs === undefined) await wf.condition(() => this.epoch !== seen);
    else await wf.condition(() => this.epoch !== seen, timeoutMs);
  }

  private touch(): void {
    this.epoch++;
    this.publish();
  }

  private async readPage(): Promise<void> {
    const { batchSize, batchesInFlight } = this.spec.pacing;
    const page = await housekeeping.readStagedPage.executeWithOptions({ summary: `read the dial list from entry ${this.state.cursor}` }, [
      { campaignKey: this.workflowId, fromIndex: this.state.cursor, maxEntries: Math.max(100, batchSize * batchesInFlight * 4) },
    ]);
    const skip = new Set(this.state.skipIndices);
    for (const index of page.indices) {
      if (skip.delete(index)) continue;
      this.state.queue.push(index);
    }
    this.state.skipIndices = [...skip];
    this.state.cursor = page.nextIndex;
    this.state.listDone = page.done;
  }

  private launchBatch(items: BatchItem[]): void {
    const seq = this.state.nextSeq++;
    this.state.batchesSent++;
    this.batchesThisRun++;
    this.state.retries += items.filter((i) => i.attempts > 0).length;
    this.batchStarts.take(batchGapMs(this.spec.pacing, this.state.pace), Date.now());
    this.inFlight.set(seq, items);
    this.touch();
    const options = { activityId: `batch-${seq}`, summary: `batch ${seq} · ${items.length} contacts` };
    const submission = this.spec.submission;
    // Indices and send numbers only: the activity reads the entries from the campaign store.
    const entries = items.map((i): BatchEntry => [i.index, i.attempts + 1]);
    const connectCalls = this.connect().batch;
    const call =
      submission?.api === 'outbound-campaigns-v2'
        ? connectCalls.putOutboundRequestBatch.executeWithOptions(options, [
            { campaignKey: this.workflowId, seq, settings: submission, defaults: this.spec.defaults, entries },
          ])
        : connectCalls.putContactBatch.executeWithOptions(options, [
            {
              campaignKey: this.workflowId,
              instanceId: this.spec.instanceId,
              seq,
              clientToken: batchClientToken(this.workflowId, seq),
              defaults: this.spec.defaults,
              entries,
            },
          ]);
    void call.then(
      (result) => this.settleBatch(seq, items, result),
      (err: unknown) => this.batchFailed(seq, items, err),
    );
  }

  private async settleBatch(seq: number, items: BatchItem[], result: BatchResult): Promise<void> {
    const byIndex = new Map(items.map((i) => [i.index, i]));
    for (const index of result.created) {
      if (!byIndex.has(index)) continue;
      this.state.outcomes.CREATED++;
      const waiting = this.awaitingBatch.get(index);
      if (waiting) {
        this.awaitingBatch.delete(index);
        this.state.deflections.push({ ...waiting, index, afterCall: true });
      }
    }
    this.metrics.settled('CREATED', result.created.length); // metrics:
    const terminal: FailedEntry[] = [];
    let throttled = 0;
    for (const f of result.failed) {
      const item = byIndex.get(f.index);
      if (!item) continue;
      if (slowsPace(f.code)) throttled++;
      const waiting = this.awaitingBatch.get(f.index);
      if (waiting) {
        // Not dialled after all: the SMS replaces the voice contact.
        this.awaitingBatch.delete(f.index);
        this.state.deflections.push({ ...waiting, index: f.index });
        continue;
      }
      const attempts = item.attempts + 1;
      const laneFailures = item.laneFailures ?? {};
      const decision = decideLane(f.code, attempts, laneFailures, this.policies, Math.random());
      if (!isKnownFailureCode(f.code)) wf.log.error('Connect answered an unknown FailureReasonCode', { code: f.code, index: f.index, seq });
      if (decision.retry) {
        this.metrics.retried(decision.lane); // metrics:
        this.state.lanes.push({
          index: item.index,
          attempts,
          laneFailures: addLaneFailure(laneFailures, f.code),
          lastCode: f.code,
          notBefore: Date.now() + decision.delayMs,
        });
      } else {
        terminal.push(this.failedEntry(item.index, f.code, { why: decision.why }));
      }
    }
    this.state.pace = paceAfterBatch(this.state.pace, { sent: items.length, throttled, batchSize: this.spec.pacing.batchSize }, this.spec.pacing.adaptive);
    // Still in flight until its outcomes are recorded, so the run cannot end before they are.
    await this.recordFailed(terminal);
    this.inFlight.delete(seq);
    this.touch();
  }

  private async batchFailed(seq: number, items: BatchItem[], err: unknown): Promise<void> {
    const cause = (err as ActivityFailure).cause;
    const type = cause instanceof ApplicationFailure ? cause.type ?? '' : '';
    const message = cause?.message ?? (err as Error).message;
    const deflectionItems = items.filter((i) => this.awaitingBatch.has(i.index));
    for (const i of deflectionItems) {
      const waiting = this.awaitingBatch.get(i.index);
      this.awaitingBatch.delete(i.index);
      if (waiting) this.state.deflections.push({ ...waiting, index: i.index });
    }
    const rest = items.filter((i) => !deflectionItems.includes(i));

    if (type === connectFailureTypes.v2CampaignNotRunning) {
      // Nothing was accepted: the same requests go again, with the same tokens, once the v2 campaign runs.
      if (rest.length > 0) this.state.splits.unshift(rest);
      this.inFlight.delete(seq);
      this.waitForV2Campaign(message);
      return;
    }

    if (type === connectFailureTypes.invalidRequest && rest.length > 1) {
      this.state.splits.push(...splitBatch(rest));
      this.inFlight.delete(seq);
      this.touch();
      return;
    }
    let code = 'CALL_FAILED';
    if (type === connectFailureTypes.invalidRequest) code = 'INVALID_REQUEST';
    else if (type === connectFailureTypes.idempotencyDefect) code = 'IDEMPOTENCY_EXCEPTION';
    else if (type === connectFailureTypes.accessDenied) code = 'ACCESS_DENIED';
    else if (type === connectFailureTypes.notFound) code = 'RESOURCE_NOT_FOUND';
    if (campaignStoppingTypes.includes(type) && !this.fatal) {
      this.fatal = { reason: message, code };
      wf.log.error('Campaign stopped: Amazon Connect refuses its calls', { reason: message });
    } else if (type === connectFailureTypes.idempotencyDefect) {
      wf.log.error('Defect: a client token was reused with other contents', { seq, message });
    }
    await this.recordFailed(rest.map((i) => this.failedEntry(i.index, code, { message })));
    this.inFlight.delete(seq);
    this.touch();
  }

  /**
   * The Outbound Campaigns v2 campaign is not running: pause with that reason (status PAUSED,
   * search attribute, progress, CLI all show it) and ask its state again on a timer, resuming
   * when it runs. An operator's resume sends the next batch, which pauses again if it still does not run.
   */
  private waitForV2Campaign(reason: string): void {
    const submission = this.spec.submission;
    if (submission?.api !== 'outbound-campaigns-v2') return;
    this.state.paused = true;
    this.state.pauseReason = `${reason}; connect-dialer asks again every ${submission.stateRecheckSeconds} s and resumes when it runs`;
    this.state.waitingForV2Campaign = reason;
    this.touch();
    if (this.watchingV2Campaign) return;
    this.watchingV2Campaign = true;
    void (async () => {
      try {
        while (this.state.waitingForV2Campaign !== undefined && !this.ending()) {
          await wf.sleep(submission.stateRecheckSeconds * 1000);
          const state = await housekeeping.getV2CampaignState
            .executeWithOptions({ summary: `is v2 campaign ${submission.campaignId} running?` }, [{ v2CampaignId: submission.campaignId }])
            .catch((err: unknown) => `unknown (${(err as Error).message})`);
          if (state === 'Running' && this.state.waitingForV2Campaign !== undefined) {
            this.state.waitingForV2Campaign = undefined;
            this.state.paused = false;
            this.state.pauseReason = undefined;
            this.touch();
          }
        }
      } finally {
        this.watchingV2Campaign = false;
      }
    })();
  }

  private failedEntry(index: number, code: string, why: { why: string } | { message: string }): FailedEntry {
    this.state.outcomes.FAILED++;
    countFailureCode(this.state, code);
    this.metrics.failed(code); // metrics:
    return { index, code, ...why };
  }

  private async recordFailed(entries: FailedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await housekeeping.recordFailed.executeWithOptions({ summary: `record ${entries.length} failed` }, [{ campaignKey: this.workflowId, entries }]);
  }

  // ---- deflection ---------------------------------------------------------------------

  /** Sends ready deflections at the chat API's own pace, until the run drains. */
  private async pumpDeflections(): Promise<void> {
    const chat = this.spec.chat;
    for (;;) {
      await wf.condition(
        () => this.draining !== undefined || (this.state.deflections.length > 0 && this.chatsInFlight < (chat?.chatsInFlight ?? 1) && !this.ending()),
      );
      if (this.draining !== undefined || this.ending() || !chat) return;
      const wait = this.chatStarts.waitMs(1000 / chat.chatsPerSecond, Date.now());
      if (wait > 0) {
        await wf.sleep(wait);
        continue;
      }
      const d = this.state.deflections.shift();
      if (!d) continue;
      this.chatStarts.take(1000 / chat.chatsPerSecond, Date.now());
      this.chatsInFlight++;
      this.touch();
      void this.sendChat(d).finally(() => {
        this.chatsInFlight--;
        this.touch();
      });
    }
  }

  private async sendChat(d: PendingDeflection): Promise<void> {
    const chat = this.spec.chat;
    if (!chat) return;
    try {
      await this.connect().chat.startOutboundChat.executeWithOptions(
        { activityId: `chat-${d.index}`, summary: `SMS to ${d.requestIdentifier}${d.afterCall ? ' (after the call)' : ''}` },
        [
          {
            campaignKey: this.workflowId,
            instanceId: this.spec.instanceId,
            chat,
            clientToken: chatClientToken(this.workflowId, d.requestIdentifier),
            index: d.index,
            defaults: this.spec.defaults,
            attributes: d.attributes,
            message: d.message,
            // A v2 dial request id is not a contact id: Connect would refuse it as RelatedContactId.
            afterCall: d.afterCall ? (this.spec.submission?.api === 'outbound-campaigns-v2' ? 'dial-request' : 'voice-contact') : undefined,
          },
        ],
      );
      if (d.afterCall) this.state.outcomes.CREATED--;
      this.state.outcomes.DEFLECTED++;
      this.metrics.deflected(d.afterCall === true); // metrics:
    } catch (err) {
      const message = (err as ActivityFailure).cause?.message ?? String(err);
      wf.log.warn('Deflection to SMS failed', { requestIdentifier: d.requestIdentifier, message });
      countFailureCode(this.state, 'DEFLECTION_FAILED');
      this.metrics.deflectionFailed(d.afterCall === true); // metrics:
      // A contact already dialled keeps its voice outcome; one taken off the voice path fails.
      if (!d.afterCall) await this.recordFailed([this.failedEntry(d.index, 'DEFLECTION_FAILED', { message })]);
    }
  }

  /**
   * Deflects entries by RequestIdentifier. The workflow holds indices only, so each id is
   * looked up in the campaign store first; what the campaign holds when the answer comes
   * back decides. An entry that moved between memory and the store while it was looked up
   * is looked up again (three rounds at most).
   */
  private async deflect(request: DeflectRequest): Promise<DeflectAnswer> {
    const answer: DeflectAnswer = { accepted: [], refused: [] };
    let toLookUp: string[] = [];
    for (const id of new Set(request.requestIdentifiers)) {
      const refusal = this.refusal(id);
      if (refusal) answer.refused.push({ requestIdentifier: id, ...refusal });
      else toLookUp.push(id);
    }
    // Ids are looked up among the staged entries: a deflection that comes during staging waits for it.
    if (toLookUp.length > 0) await wf.condition(() => this.state.staged !== undefined || this.ending());
    for (let round = 0; toLookUp.length > 0 && round < 3; round++) {
      toLookUp.forEach((id) => this.lookingUp.add(id));
      let found: ContactLookup[];
      try {
        found = await housekeeping.lookupContacts.executeWithOptions({ summary: `look up ${toLookUp.length} contacts to deflect` }, [
          { campaignKey: this.workflowId, requestIdentifiers: toLookUp },
        ]);
      } finally {
        toLookUp.forEach((id) => this.lookingUp.delete(id));
      }
      toLookUp = [];
      for (const f of found) {
        const verdict = this.deflectFound(f, request);
        if (verdict.accepted === true) answer.accepted.push(f.requestIdentifier);
        else if (verdict.accepted === false) answer.refused.push({ requestIdentifier: f.requestIdentifier, reason: verdict.reason, detail: verdict.detail });
        else toLookUp.push(f.requestIdentifier);
      }
    }
    for (const id of toLookUp) answer.refused.push({ requestIdentifier: id, reason: 'ALREADY_TERMINAL', detail: 'the entry settled while the deflection was looked up' });
    this.touch();
    return answer;
  }

  /** Why a deflection of `id` is refused whatever the store says, if it is. */
  private refusal(id: string): { reason: DeflectAnswer['refused'][number]['reason']; detail: string } | undefined {
    if (this.state.deflectionIds.includes(id) || this.lookingUp.has(id)) return { reason: 'ALREADY_DEFLECTING', detail: 'this contact is already deflected to SMS' };
    if (!this.spec.chat) return { reason: 'CHAT_NOT_CONFIGURED', detail: 'the campaign has no chat settings (source phone number ARN and contact flow)' };
    // While the run drains to continue as new, a deflection is accepted and carried to the next run.
    if (this.ending() || this.draining === 'done') return { reason: 'CAMPAIGN_ENDING', detail: 'the campaign is ending' };
    return undefined;
  }

  /** Settles one looked-up id against what the campaign holds now; `lookup` means look again. */
  private deflectFound(f: ContactLookup, request: DeflectRequest): Deflected {
    const id = f.requestIdentifier;
    const refusal = this.refusal(id);
    if (refusal) return { accepted: false, ...refusal };
    const index = f.index;
    if (index === undefined) return { accepted: false, reason: 'UNKNOWN_REQUEST_IDENTIFIER', detail: 'no entry of this campaign has this RequestIdentifier' };
    if (!f.staged) return { accepted: false, reason: 'ALREADY_TERMINAL', detail: `the entry already ended ${f.outcome ?? 'REJECTED'}` };
    const s = this.state;
    if (takeFrom(s.queue, (i) => i === index) || takeFrom(s.lanes, (i) => i.index === index) || s.splits.some((group) => takeFrom(group, (i) => i.index === index))) {
      s.splits = s.splits.filter((group) => group.length > 0);
      this.accept(id, request, index);
      return { accepted: true };
    }
    for (const items of this.inFlight.values()) {
      if (items.some((i) => i.index === index)) {
        s.deflectionIds.push(id);
        this.awaitingBatch.set(index, { requestIdentifier: id, message: request.message, attributes: request.attributes });
        return { accepted: true };
      }
    }
    if (f.outcome === 'CREATED') {
      this.accept(id, request, index, true);
      return { accepted: true };
    }
    if (f.outcome !== undefined) return { accepted: false, reason: 'ALREADY_TERMINAL', detail: `the entry already ended ${f.outcome}` };
    if (index >= s.cursor) {
      // Not read yet: dropped from the voice path when its page is read.
      s.skipIndices.push(index);
      this.accept(id, request, index);
      return { accepted: true };
    }
    return { accepted: 'lookup' }; // read and settled while we looked: look again
  }

  private accept(id: string, request: DeflectRequest, index: number, afterCall?: boolean): void {
    this.state.deflectionIds.push(id);
    this.state.deflections.push({ requestIdentifier: id, index, message: request.message, attributes: request.attributes, ...(afterCall ? { afterCall } : {}) });
  }

  // ---- steering ---------------------------------------------------------------------

  private installHandlers(): void {
    wf.setHandler(pauseSignal, (payload) => {
      if (this.ending()) return;
      this.state.paused = true;
      this.state.pauseReason = payload?.reason;
      this.touch();
    });
    wf.setHandler(resumeSignal, () => {
      this.state.paused = false;
      this.state.pauseReason = undefined;
      this.touch();
    });
    wf.setHandler(cancelSignal, (payload) => this.requestCancel(payload?.reason ?? 'cancelled by signal'));
    wf.setHandler(deflectToChatSignal, async (request) => {
      const parsed = deflectSignalSchema.safeParse(request);
      if (!parsed.success) {
        wf.log.warn('Ignored a malformed deflectToChat signal', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
        return;
      }
      const { answerId, ...deflection } = parsed.data;
      if (answerId !== undefined) {
        if (this.answers.has(answerId)) return; // the same request signalled again: answered once
        this.answers.begin(answerId);
      }
      const answer = await this.deflect(deflection);
      if (answerId !== undefined) this.answers.settle(answerId, answer);
      if (answer.refused.length > 0) wf.log.warn('Some deflections were refused', { refused: answer.refused });
    });
    wf.setHandler(deflectionAnswerQuery, (answerId) => this.answers.state(answerId));
    wf.setHandler(deflectToChatUpdate, (request) => this.deflect(request), {
      validator: (request) => {
        const parsed = deflectRequestSchema.safeParse(request);
        if (!parsed.success) {
          throw new Error(`Invalid deflection: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ')}`);
        }
      },
    });
    wf.setHandler(progressQuery, () => this.progress());
  }

  private requestCancel(reason: string): void {
    if (this.state.cancelReason !== undefined) return;
    this.state.cancelReason = reason;
    this.touch();
  }

  // ---- reporting ------------------------------------------------------------------------

  private status(): CampaignStatus {
    if (this.fatal) return 'FAILED';
    if (this.state.cancelReason !== undefined) return 'CANCELLING';
    if (this.state.paused) return 'PAUSED';
    return this.state.staged ? 'RUNNING' : 'STAGING';
  }

  private progress(status: CampaignStatus = this.status()): Progress {
    const s = this.state;
    return {
      campaignId: this.spec.campaignId,
      status,
      total: s.staged?.total,
      outcomes: { ...s.outcomes },
      byFailureCode: { ...s.byFailureCode },
      batchesSent: s.batchesSent,
      batchesInFlight: this.inFlight.size,
      retries: s.retries,
      retrying: s.lanes.length + s.splits.reduce((n, g) => n + g.length, 0),
      waitingByLane: waitingByLane(s.lanes), // metrics: (status --watch)
      pendingDeflections: s.deflections.length + this.awaitingBatch.size + this.chatsInFlight,
      paceDelayMs: s.pace.delayMs,
      pauseReason: s.pauseReason,
      reason: this.fatal?.reason ?? s.cancelReason,
      runs: s.runs,
      startedAt: new Date(s.startedAtMs).toISOString(),
      updatedAt: new Date(Date.now()).toISOString(),
    };
  }

  private publish(status: CampaignStatus = this.status()): void {
    wf.setCurrentDetails(formatProgressDetails(this.progress(status)));
    this.metrics.progressed(this.progress(status)); // metrics:
    if (status !== this.publishedStatus) {
      this.publishedStatus = status;
      wf.upsertSearchAttributes([{ key: campaignStatusKey, value: status }]);
    }
  }

  private async finish(): Promise<CampaignResult> {
    const s = this.state;
    if (this.ending()) {
      // Never-sent entries: those held in memory, deflections not yet sent, and the unread list.
      const held = [
        ...s.queue,
        ...s.lanes.map((i) => i.index),
        ...s.splits.flat().map((i) => i.index),
        ...s.deflections.filter((d) => !d.afterCall).map((d) => d.index),
      ];
      const reason = this.fatal ? `campaign failed: ${this.fatal.reason}` : (s.cancelReason ?? 'cancelled');
      const unsent = { held, fromIndex: s.listDone ? undefined : s.cursor, skip: s.skipIndices, message: `not sent: ${reason}` };
      const cancelled = await housekeeping.cancelRemaining.executeWithOptions({ summary: 'mark the unsent entries CANCELLED' }, [
        { campaignKey: this.workflowId, unsent },
      ]);
      s.outcomes.CANCELLED += cancelled;
      this.metrics.settled('CANCELLED', cancelled); // metrics:
      s.queue = [];
      s.lanes = [];
      s.splits = [];
      s.deflections = [];
    }
    const status = this.fatal ? 'FAILED' : s.cancelReason !== undefined ? 'CANCELLED' : 'COMPLETED';
    const result = this.result(status);
    if (status === 'FAILED') throw this.campaignFailed(result);
    return result;
  }

  private result(status: CampaignResult['status']): CampaignResult {
    const s = this.state;
    const finishedAt = Date.now();
    this.publish(status);
    return {
      campaignId: this.spec.campaignId,
      status,
      reason: this.fatal?.reason ?? s.cancelReason,
      total: s.staged?.total ?? 0,
      outcomes: { ...s.outcomes },
      byFailureCode: { ...s.byFailureCode },
      batchesSent: s.batchesSent,
      retries: s.retries,
      runs: s.runs,
      startedAt: new Date(s.startedAtMs).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - s.startedAtMs,
    };
  }

  /** A failed campaign fails its workflow (red in the UI) and still carries its result. */
  private campaignFailed(result: CampaignResult): ApplicationFailure {
    return ApplicationFailure.create({ type: 'CampaignFailed', message: result.reason ?? 'campaign failed', nonRetryable: true, details: [result] });
  }
}

/** Removes the first element that matches from `list`; true when there was one. */
function takeFrom<T>(list: T[], matches: (item: T) => boolean): boolean {
  const at = list.findIndex(matches);
  if (at < 0) return false;
  list.splice(at, 1);
  return true;
}
