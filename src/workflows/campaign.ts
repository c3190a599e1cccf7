import * as wf from '@temporalio/workflow';
import { ApplicationFailure, type ActivityFailure } from '@temporalio/common';
import type { CampaignActivities, ContactLookup } from '../activities';
import type { BatchResult } from '../activities/batch-put-contact';
import { campaignStoppingTypes, connectFailureTypes, dialListInvalidType, retryableConnectFailureTypes } from '../domain/connect-failures';
import type { StagedEntry } from '../domain/contact-entry';
import { batchClientToken, chatClientToken, outboundRequestClientToken } from '../domain/client-token';
import { deflectRequestSchema, deflectSignalSchema, type DeflectAnswer, type DeflectRequest } from '../domain/deflection';
import { DeflectionAnswers } from '../domain/deflection-answers';
import { addLaneFailure, decideLane, isKnownFailureCode, resolveLanePolicies, slowsPace } from '../domain/failure-lanes';
import { cancelSignal, deflectionAnswerQuery, deflectToChatSignal, deflectToChatUpdate, pauseSignal, progressQuery, resumeSignal } from '../domain/messages';
import type { OutcomeRecord } from '../domain/outcome';
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

/** 429s and 5xx are retried here with the same token; the listed types are for the workflow to act on. */
const connectCalls = wf.proxyActivities<CampaignActivities>({
  // One HTTP call with the SDK's own retries (src/connect-client.ts bounds each try). The call
  // heartbeats while it waits, so a call on a worker that died is retried after 5 s, not 30.
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
  /** Deflections of entries in a batch in flight, settled when the batch returns. */
  private readonly awaitingBatch = new Map<string, Omit<PendingDeflection, 'staged'>>();
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
    const page = await housekeeping.readStagedPage.executeWithOptions({ summary: `read the dial list from byte ${this.state.cursor}` }, [
      { campaignKey: this.workflowId, offset: this.state.cursor, maxEntries: Math.max(100, batchSize * batchesInFlight * 4) },
    ]);
    const skip = new Set(this.state.skipIds);
    for (const staged of page.entries) {
      if (skip.delete(staged.entry.RequestIdentifier)) continue;
      this.state.queue.push(staged);
    }
    this.state.skipIds = [...skip];
    this.state.cursor = page.nextOffset;
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
    const call =
      submission?.api === 'outbound-campaigns-v2'
        ? connectCalls.putOutboundRequestBatch.executeWithOptions(options, [
            {
              campaignKey: this.workflowId,
              seq,
              settings: submission,
              defaults: this.spec.defaults,
              // One token per request and send: a re-send after a per-request failure gets a new one.
              requests: items.map((i) => ({ staged: i.staged, clientToken: outboundRequestClientToken(this.workflowId, i.staged.index, i.attempts + 1) })),
            },
          ])
        : connectCalls.putContactBatch.executeWithOptions(options, [
            {
              campaignKey: this.workflowId,
              instanceId: this.spec.instanceId,
              seq,
              clientToken: batchClientToken(this.workflowId, seq),
              defaults: this.spec.defaults,
              entries: items.map((i) => i.staged),
            },
          ]);
    void call.then(
      (result) => this.settleBatch(seq, items, result),
      (err: unknown) => this.batchFailed(seq, items, err),
    );
  }

  private async settleBatch(seq: number, items: BatchItem[], result: BatchResult): Promise<void> {
    const byId = new Map(items.map((i) => [i.staged.entry.RequestIdentifier, i]));
    for (const c of result.created) {
      this.state.outcomes.CREATED++;
      const waiting = this.awaitingBatch.get(c.requestIdentifier);
      const item = byId.get(c.requestIdentifier);
      if (waiting && item) {
        this.awaitingBatch.delete(c.requestIdentifier);
        this.state.deflections.push({ ...waiting, staged: item.staged, relatedContactId: c.contactId });
      }
    }
    this.metrics.settled('CREATED', result.created.length); // metrics:
    const terminal: OutcomeRecord[] = [];
    let throttled = 0;
    for (const f of result.failed) {
      const item = byId.get(f.requestIdentifier);
      if (!item) continue;
      if (slowsPace(f.code)) throttled++;
      const waiting = this.awaitingBatch.get(f.requestIdentifier);
      if (waiting) {
        // Not dialled after all: the SMS replaces the voice contact.
        this.awaitingBatch.delete(f.requestIdentifier);
        this.state.deflections.push({ ...waiting, staged: item.staged });
        continue;
      }
      const attempts = item.attempts + 1;
      const laneFailures = item.laneFailures ?? {};
      const decision = decideLane(f.code, attempts, laneFailures, this.policies, Math.random());
      if (!isKnownFailureCode(f.code)) wf.log.error('Connect answered an unknown FailureReasonCode', { code: f.code, message: f.message, seq });
      if (decision.retry) {
        this.metrics.retried(decision.lane); // metrics:
        this.state.lanes.push({
          staged: item.staged,
          attempts,
          laneFailures: addLaneFailure(laneFailures, f.code),
          lastCode: f.code,
          notBefore: Date.now() + decision.delayMs,
        });
      } else {
        terminal.push(this.failedRecord(item.staged, f.code, `${f.message} (${decision.why})`));
      }
    }
    this.state.pace = paceAfterBatch(this.state.pace, { sent: items.length, throttled, batchSize: this.spec.pacing.batchSize }, this.spec.pacing.adaptive);
    // Still in flight until its outcomes are recorded, so the run cannot end before they are.
    await this.recordFailed(`failed-${seq}`, terminal);
    this.inFlight.delete(seq);
    this.touch();
  }

  private async batchFailed(seq: number, items: BatchItem[], err: unknown): Promise<void> {
    const cause = (err as ActivityFailure).cause;
    const type = cause instanceof ApplicationFailure ? cause.type ?? '' : '';
    const message = cause?.message ?? (err as Error).message;
    const deflectionItems = items.filter((i) => this.awaitingBatch.has(i.staged.entry.RequestIdentifier));
    for (const i of deflectionItems) {
      const waiting = this.awaitingBatch.get(i.staged.entry.RequestIdentifier);
      this.awaitingBatch.delete(i.staged.entry.RequestIdentifier);
      if (waiting) this.state.deflections.push({ ...waiting, staged: i.staged });
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
    await this.recordFailed(`failed-${seq}`, rest.map((i) => this.failedRecord(i.staged, code, message)));
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

  private failedRecord(staged: StagedEntry, code: string, message: string): OutcomeRecord {
    this.state.outcomes.FAILED++;
    countFailureCode(this.state, code);
    this.metrics.failed(code); // metrics:
    return { requestIdentifier: staged.entry.RequestIdentifier, index: staged.index, outcome: 'FAILED', failureCode: code, message };
  }

  private async recordFailed(key: string, records: OutcomeRecord[]): Promise<void> {
    if (records.length === 0) return;
    await housekeeping.recordOutcomes.executeWithOptions({ summary: `record ${records.length} failed` }, [
      { campaignKey: this.workflowId, key, records },
    ]);
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
    const { staged } = d;
    try {
      await connectCalls.startOutboundChat.executeWithOptions(
        { activityId: `chat-${staged.index}`, summary: `SMS to ${d.requestIdentifier}${d.relatedContactId ? ' (after the call)' : ''}` },
        [
          {
            campaignKey: this.workflowId,
            instanceId: this.spec.instanceId,
            chat,
            clientToken: chatClientToken(this.workflowId, d.requestIdentifier),
            requestIdentifier: d.requestIdentifier,
            index: staged.index,
            phoneNumber: staged.entry.CustomerEndpoint?.Address ?? '',
            attributes: { ...this.spec.defaults.Attributes, ...staged.entry.Attributes, ...d.attributes },
            message: d.message,
            // A v2 dial request id is not a contact id: Connect would refuse it as RelatedContactId.
            relatedContactId: this.spec.submission?.api === 'outbound-campaigns-v2' ? undefined : d.relatedContactId,
          },
        ],
      );
      if (d.relatedContactId) this.state.outcomes.CREATED--;
      this.state.outcomes.DEFLECTED++;
      this.metrics.deflected(d.relatedContactId !== undefined); // metrics:
    } catch (err) {
      const message = (err as ActivityFailure).cause?.message ?? String(err);
      wf.log.warn('Deflection to SMS failed', { requestIdentifier: d.requestIdentifier, message });
      countFailureCode(this.state, 'DEFLECTION_FAILED');
      this.metrics.deflectionFailed(d.relatedContactId !== undefined); // metrics:
      // A contact already dialled keeps its voice outcome; one taken off the voice path fails.
      if (!d.relatedContactId) await this.recordFailed(`chat-failed-${staged.index}`, [this.failedRecord(staged, 'DEFLECTION_FAILED', message)]);
    }
  }

  private async deflect(request: DeflectRequest): Promise<DeflectAnswer> {
    const answer: DeflectAnswer = { accepted: [], refused: [] };
    const toLookUp: string[] = [];
    for (const id of new Set(request.requestIdentifiers)) {
      const verdict = this.deflectFromMemory(id, request);
      if (verdict.accepted === 'lookup') toLookUp.push(id);
      else if (verdict.accepted) answer.accepted.push(id);
      else answer.refused.push({ requestIdentifier: id, reason: verdict.reason, detail: verdict.detail });
    }
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
      toLookUp.length = 0;
      for (const f of found) {
        // The campaign moved on while we looked: what it holds now wins.
        const verdict = this.deflectFromMemory(f.requestIdentifier, request);
        if (verdict.accepted === true) answer.accepted.push(f.requestIdentifier);
        else if (verdict.accepted === false) answer.refused.push({ requestIdentifier: f.requestIdentifier, reason: verdict.reason, detail: verdict.detail });
        else if (f.found === 'unknown') {
          answer.refused.push({ requestIdentifier: f.requestIdentifier, reason: 'UNKNOWN_REQUEST_IDENTIFIER', detail: 'no entry of this campaign has this RequestIdentifier' });
        } else if (f.found === 'outcome') {
          if (f.record.outcome === 'CREATED' && f.entry) {
            this.accept(f.requestIdentifier, request, f.entry, f.record.contactId);
            answer.accepted.push(f.requestIdentifier);
          } else {
            answer.refused.push({ requestIdentifier: f.requestIdentifier, reason: 'ALREADY_TERMINAL', detail: `the entry already ended ${f.record.outcome}` });
          }
        } else if (f.offset >= this.state.cursor) {
          this.state.skipIds.push(f.requestIdentifier);
          this.accept(f.requestIdentifier, request, f.entry);
          answer.accepted.push(f.requestIdentifier);
        } else {
          toLookUp.push(f.requestIdentifier); // read and settled while we looked: look again
        }
      }
    }
    for (const id of toLookUp) answer.refused.push({ requestIdentifier: id, reason: 'ALREADY_TERMINAL', detail: 'the entry settled while the deflection was looked up' });
    this.touch();
    return answer;
  }

  private deflectFromMemory(id: string, request: DeflectRequest): Deflected {
    const s = this.state;
    if (s.deflectionIds.includes(id) || this.lookingUp.has(id)) return { accepted: false, reason: 'ALREADY_DEFLECTING', detail: 'this contact is already deflected to SMS' };
    if (!this.spec.chat) return { accepted: false, reason: 'CHAT_NOT_CONFIGURED', detail: 'the campaign has no chat settings (source phone number ARN and contact flow)' };
    // While the run drains to continue as new, a deflection is accepted and carried to the next run.
    if (this.ending() || this.draining === 'done') return { accepted: false, reason: 'CAMPAIGN_ENDING', detail: 'the campaign is ending' };
    const q = s.queue.findIndex((e) => e.entry.RequestIdentifier === id);
    if (q >= 0) {
      const [staged] = s.queue.splice(q, 1);
      if (staged) this.accept(id, request, staged);
      return { accepted: true };
    }
    const l = s.lanes.findIndex((i) => i.staged.entry.RequestIdentifier === id);
    if (l >= 0) {
      const [item] = s.lanes.splice(l, 1);
      if (item) this.accept(id, request, item.staged);
      return { accepted: true };
    }
    for (const group of s.splits) {
      const g = group.findIndex((i) => i.staged.entry.RequestIdentifier === id);
      if (g >= 0) {
        const [item] = group.splice(g, 1);
        if (item) this.accept(id, request, item.staged);
        s.splits = s.splits.filter((x) => x.length > 0);
        return { accepted: true };
      }
    }
    for (const items of this.inFlight.values()) {
      if (items.some((i) => i.staged.entry.RequestIdentifier === id)) {
        s.deflectionIds.push(id);
        this.awaitingBatch.set(id, { requestIdentifier: id, message: request.message, attributes: request.attributes });
        return { accepted: true };
      }
    }
    return { accepted: 'lookup' };
  }

  private accept(id: string, request: DeflectRequest, staged: StagedEntry, relatedContactId?: string): void {
    this.state.deflectionIds.push(id);
    this.state.deflections.push({ requestIdentifier: id, staged, message: request.message, attributes: request.attributes, relatedContactId });
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
        ...s.lanes.map((i) => i.staged),
        ...s.splits.flat().map((i) => i.staged),
        ...s.deflections.filter((d) => !d.relatedContactId).map((d) => d.staged),
      ];
      const reason = this.fatal ? `campaign failed: ${this.fatal.reason}` : (s.cancelReason ?? 'cancelled');
      const cancelled = await housekeeping.cancelRemaining.executeWithOptions({ summary: 'mark the unsent entries CANCELLED' }, [
        { campaignKey: this.workflowId, fromOffset: s.listDone ? undefined : s.cursor, held, skipIds: s.skipIds, reason },
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
