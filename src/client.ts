import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { z } from 'zod';
import type { CampaignStore } from './storage/campaign-store';
import type { DispositionSummary } from './storage/call-results';
import { writeReport, type ReportFormat } from './storage/report';
import { listCampaigns, type CampaignListing, type ListCampaignsOptions } from './campaign-list';
import { STALLED_AFTER_FAILED_ATTEMPTS, stallOf, type CampaignStall } from './campaign-stall';
import { campaignSpecSchema, campaignWorkflowId, type CampaignSpec, type CampaignSpecInput } from './domain/campaign';
import { deflectRequestSchema, splitDeflectRequest, type DeflectAnswer, type DeflectionAnswerState, type DeflectRequest } from './domain/deflection';
import { cancelSignal, deflectionAnswerQuery, deflectToChatSignal, pauseSignal, progressQuery, resumeSignal } from './domain/messages';
import type { OutcomeRecord } from './domain/outcome';
import { campaignResultSchema, type CampaignResult, type Progress } from './domain/progress';
import { campaignIdKey, campaignStatusKey } from './domain/search-attributes';
import type { campaign } from './workflows';

export const DEFAULT_TASK_QUEUE = 'connect-dialer';

/** Bad input from a caller: names the field and the reason. */
export class CampaignInputError extends Error {
  override name = 'CampaignInputError';
  constructor(readonly issues: { field: string; reason: string }[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('\n'));
  }

  static fromZod(error: z.ZodError, prefix = ''): CampaignInputError {
    return new CampaignInputError(error.issues.map((i) => ({ field: prefix + (i.path.join('.') || '(input)'), reason: i.message })));
  }
}

/** Pages of 100 events read back for the start of a workflow task's streak of attempts. */
const STALL_HISTORY_PAGES = 5;

function isWorkflowTaskOutcome(e: temporal.api.history.v1.IHistoryEvent): boolean {
  return Boolean(e.workflowTaskCompletedEventAttributes ?? e.workflowTaskFailedEventAttributes ?? e.workflowTaskTimedOutEventAttributes);
}

/** Raised while waiting on a campaign whose workflow task keeps failing. */
export class CampaignStalledError extends Error {
  override name = 'CampaignStalledError';
  constructor(
    readonly campaignId: string,
    readonly stall: CampaignStall,
  ) {
    super(
      `Campaign ${campaignId} is stalled: its workflow task has ${stall.kind === 'failing' ? 'failed' : 'not completed in'} ${stall.attempt} ${stall.kind === 'failing' ? 'times' : 'attempts'} (${stall.message}). ` +
        'It makes no progress until a worker whose code can run it picks it up: check the worker logs and the workflow in the Temporal UI.',
    );
  }
}

/** A deflection was signalled, but its answer did not come back in time. */
export class DeflectionUnansweredError extends Error {
  override name = 'DeflectionUnansweredError';
}

/** How long CampaignClient.deflect waits for the campaign's answer by default. */
export const DEFLECT_ANSWER_TIMEOUT_MS = 60_000;

/** Polls for an answer: 50 ms, growing by half each time to 1 s, each with equal jitter (half the ceiling plus a random half). */
function answerPollDelayMs(attempt: number): number {
  const ceiling = Math.min(1000, 50 * 1.5 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Starting a campaign id that already ran: tokens are per campaign id, so a rerun needs a new id. */
export class CampaignAlreadyRanError extends Error {
  override name = 'CampaignAlreadyRanError';
}

export interface StartedCampaign {
  campaignId: string;
  workflowId: string;
  runId: string;
  /** True when the campaign was already running and this call attached to it. */
  alreadyRunning: boolean;
}

export interface CampaignClientOptions {
  taskQueue?: string;
  /** The campaign store the workers use, for report(): `createCampaignStore((await openCampaignDatabase(…)).pool)`. */
  store?: CampaignStore;
}

/**
 * The typed API services use to run campaigns. Build it over a Temporal `Client` made
 * from the service's own connection settings.
 */
export class CampaignClient {
  private readonly taskQueue: string;
  private readonly store?: CampaignStore;

  constructor(
    readonly client: Client,
    options: CampaignClientOptions = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.store = options.store;
  }

  /** Validates the campaign and starts it; starting a running campaign again returns the running one. */
  async start(input: CampaignSpecInput): Promise<StartedCampaign> {
    const spec = parseSpec(input);
    const workflowId = campaignWorkflowId(spec.campaignId);
    try {
      const handle = await this.client.workflow.start<typeof campaign>('campaign', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ spec }],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: campaignIdKey, value: spec.campaignId },
          { key: campaignStatusKey, value: 'STAGING' },
        ],
        staticSummary: `Campaign ${spec.campaignId} ${connectTarget(spec)}`,
        staticDetails: describeSpec(spec),
      });
      return { campaignId: spec.campaignId, workflowId, runId: handle.firstExecutionRunId, alreadyRunning: false };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const description = await this.client.workflow.getHandle(workflowId).describe();
      if (description.status.name === 'RUNNING') {
        return { campaignId: spec.campaignId, workflowId, runId: description.runId, alreadyRunning: true };
      }
      throw new CampaignAlreadyRanError(
        `Campaign ${spec.campaignId} already ran (${description.status.name.toLowerCase()}); client tokens are per campaign id, so start the new run under a new --campaign-id.`,
      );
    }
  }

  handle(campaignId: string): WorkflowHandle<typeof campaign> {
    return this.client.workflow.getHandle<typeof campaign>(campaignWorkflowId(campaignId));
  }

  /**
   * Deflects contacts to SMS and answers which were accepted and why the others were not.
   * The request goes as signals (durable once sent, however many callers deflect at once) and
   * the answers are read back with a query, polled with jittered backoff until `timeoutMs`.
   * Temporal updates would answer directly, but Temporal admits 10 in flight per workflow and
   * a storm of them wedged a campaign (docs/architecture.md, "Steering"). A request larger
   * than one signal should carry goes as several (at most 250 ids and 128 KiB each); one
   * whose message and attributes alone are too large is refused before anything is sent.
   */
  async deflect(campaignId: string, request: DeflectRequest, options: { timeoutMs?: number } = {}): Promise<DeflectAnswer> {
    const handle = this.handle(campaignId);
    const signals = deflectSignals(request).map((signal) => ({ ...signal, answerId: randomUUID() }));
    for (const signal of signals) await handle.signal(deflectToChatSignal, signal);
    const timeoutMs = options.timeoutMs ?? DEFLECT_ANSWER_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const answer: DeflectAnswer = { accepted: [], refused: [] };
    for (const { answerId } of signals) {
      for (let attempt = 0; ; attempt++) {
        const state = await answerState(handle, answerId);
        if (state?.state === 'answered') {
          answer.accepted.push(...state.answer.accepted);
          answer.refused.push(...state.answer.refused);
          break;
        }
        if (Date.now() >= deadline) {
          throw new DeflectionUnansweredError(
            `Campaign ${campaignId} received the deflection (it is durable and will be carried out) but did not answer within ${Math.round(timeoutMs / 1000)} s; ` +
              `is a worker running? Check with \`connect-dialer status --campaign-id ${campaignId}\`.`,
          );
        }
        await sleep(answerPollDelayMs(attempt));
      }
    }
    return answer;
  }

  /** Fire-and-forget deflection: durable once this returns, answered nowhere (split like deflect()). */
  async deflectAsync(campaignId: string, request: DeflectRequest): Promise<void> {
    const handle = this.handle(campaignId);
    for (const signal of deflectSignals(request)) await handle.signal(deflectToChatSignal, signal);
  }

  /** Campaigns newest first, from Temporal's visibility store (no worker needed): all, or those of one status. */
  list(options: ListCampaignsOptions = {}): Promise<CampaignListing[]> {
    return listCampaigns(this.client, options);
  }

  async pause(campaignId: string, reason?: string): Promise<void> {
    await this.handle(campaignId).signal(pauseSignal, { reason });
  }

  async resume(campaignId: string): Promise<void> {
    await this.handle(campaignId).signal(resumeSignal);
  }

  /** Graceful: no new batch starts, in-flight ones finish, the rest become CANCELLED. */
  async cancel(campaignId: string, reason?: string): Promise<void> {
    await this.handle(campaignId).signal(cancelSignal, { reason });
  }

  async progress(campaignId: string): Promise<Progress> {
    return this.handle(campaignId).query(progressQuery);
  }

  /**
   * Every entry's outcome so far, one record per dial-list entry in list order (all of them
   * once the campaign has ended), read from the campaign store.
   */
  report(campaignId: string): AsyncIterable<OutcomeRecord> {
    const store = this.campaignStore();
    const campaignKey = campaignWorkflowId(campaignId);
    // With call outcomes, each record also has its final disposition and number of calls.
    return (async function* () {
      yield* store.outcomes(campaignKey, { calls: await store.hasCallResults(campaignKey) });
    })();
  }

  /** What happened on the campaign's calls (call outcomes, docs/call-outcomes.md): entries per final disposition, calls placed, calls still undecided. */
  async callOutcomes(campaignId: string): Promise<DispositionSummary> {
    return this.campaignStore().dispositionSummary(campaignWorkflowId(campaignId));
  }

  /** Writes report(campaignId) to a file as CSV or JSONL, atomically. */
  async writeReport(campaignId: string, path: string, format: ReportFormat = 'csv'): Promise<{ path: string; records: number }> {
    return writeReport(campaignWorkflowId(campaignId), this.campaignStore(), path, format);
  }

  private campaignStore(): CampaignStore {
    if (!this.store) {
      throw new Error('CampaignClient has no campaign store: pass { store: createCampaignStore(pool) } over the database the workers use to read reports');
    }
    return this.store;
  }

  /**
   * Whether the campaign's workflow task keeps failing (a worker defect such as a
   * nondeterminism error, a payload over the limit): such a campaign makes no progress and
   * never ends on its own, so status and `start --wait` say so instead of waiting in silence.
   * A task that timed out because its worker died is no stall: the next worker takes it over
   * (see stallOf). Undefined when healthy.
   */
  async stall(campaignId: string): Promise<CampaignStall | undefined> {
    const handle = this.handle(campaignId);
    const description = await handle.describe();
    const attempt = description.raw.pendingWorkflowTask?.attempt ?? 0;
    if (description.status.name !== 'RUNNING' || attempt < STALLED_AFTER_FAILED_ATTEMPTS) return undefined;
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    // The streak's first attempt is a few events back, unless signals piled up since.
    for (let page = 0; page < STALL_HISTORY_PAGES; page++) {
      const response = await this.client.workflowService.getWorkflowExecutionHistoryReverse({
        namespace: this.client.options.namespace,
        execution: { workflowId: handle.workflowId, runId: description.runId },
        maximumPageSize: 100,
        nextPageToken,
      });
      events.push(...(response.history?.events ?? []));
      if (events.some(isWorkflowTaskOutcome) || !response.nextPageToken?.length) break;
      nextPageToken = response.nextPageToken;
    }
    return stallOf(attempt, events);
  }

  /**
   * Waits for the campaign to end; a FAILED campaign is a result too, with its reason.
   * `signal` gives the wait up (the promise rejects); it carries one listener at a time
   * however long the wait, so an hours-long wait holds constant memory.
   */
  async result(campaignId: string, options: { signal?: AbortSignal } = {}): Promise<CampaignResult> {
    const { signal } = options;
    try {
      if (!signal) return await this.handle(campaignId).result();
      await this.untilEnded(campaignId, signal);
      // The last run has ended: one call decodes its result or failure.
      return await callWithSignal(this.client, signal, () => this.handle(campaignId).result());
    } catch (err) {
      const failedResult = resultFromFailure(err);
      if (failedResult) return failedResult;
      throw err;
    }
  }

  /**
   * Long-polls for the close event of the campaign's latest run, following continue-as-new,
   * until a run ends for good. The Temporal client adds an abort listener to the signal of
   * every call it makes and never removes it, and its own result() makes a call per long
   * poll (about one every 20 s on a waiting campaign) and per run: under one signal an
   * hours-long wait collected thousands ("MaxListenersExceededWarning: 11 abort listeners").
   * So each poll here runs under a signal of its own.
   */
  private async untilEnded(campaignId: string, signal: AbortSignal): Promise<void> {
    const workflowId = campaignWorkflowId(campaignId);
    let runId: string | undefined;
    let nextPageToken: Uint8Array | undefined;
    for (;;) {
      const response = await callWithSignal(this.client, signal, () =>
        this.client.workflowService.getWorkflowExecutionHistory({
          namespace: this.client.options.namespace,
          execution: { workflowId, runId },
          waitNewEvent: true,
          historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
          skipArchival: true,
          nextPageToken,
        }),
      );
      const closed = response.history?.events?.[0];
      if (!closed) {
        // The long poll timed out with the run still open: poll again.
        nextPageToken = response.nextPageToken ?? undefined;
        continue;
      }
      const next = closed.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (!next) return;
      runId = next;
      nextPageToken = undefined;
    }
  }
}

/** Runs one client call under a signal of its own that follows `signal`, whose listener is removed afterwards. */
async function callWithSignal<T>(client: Client, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  signal.throwIfAborted();
  const own = new AbortController();
  const abort = (): void => own.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  try {
    return await client.withAbortSignal(own.signal, call);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

export function parseSpec(input: CampaignSpecInput): CampaignSpec {
  const parsed = campaignSpecSchema.safeParse(input);
  if (!parsed.success) throw CampaignInputError.fromZod(parsed.error);
  const spec = parsed.data;
  if (spec.dialList.kind === 'file' && !isAbsolute(spec.dialList.path)) {
    // The worker may run elsewhere: send it a path that does not depend on this process's directory.
    return { ...spec, dialList: { ...spec.dialList, path: resolve(spec.dialList.path) } };
  }
  return spec;
}

/** The request checked and split into signals that each fit; too large to split: refused, naming the field. */
function deflectSignals(request: DeflectRequest): DeflectRequest[] {
  const parsed = deflectRequestSchema.safeParse(request);
  if (!parsed.success) throw CampaignInputError.fromZod(parsed.error);
  const split = splitDeflectRequest(parsed.data);
  if ('reason' in split) throw new CampaignInputError([{ field: split.field, reason: split.reason }]);
  return split.signals;
}

/** A deflection's answer; undefined when the query failed on the server (a worker busy replaying a long history answers late): ask again. */
async function answerState(handle: WorkflowHandle<typeof campaign>, answerId: string): Promise<DeflectionAnswerState | undefined> {
  try {
    return await handle.query(deflectionAnswerQuery, answerId);
  } catch (err) {
    if (err instanceof ServiceError) return undefined;
    throw err;
  }
}

function resultFromFailure(err: unknown): CampaignResult | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== 'CampaignFailed') return undefined;
  const parsed = campaignResultSchema.safeParse(err.cause.details?.[0]);
  return parsed.success ? parsed.data : undefined;
}

/** `on instance i-1`, or `through v2 campaign v2-1` (with its instance when SMS deflection names one). */
function connectTarget(spec: CampaignSpec): string {
  const instance = spec.instanceId === undefined ? '' : `on instance ${spec.instanceId}`;
  if (spec.submission.api !== 'outbound-campaigns-v2') return instance;
  return `through v2 campaign ${spec.submission.campaignId}${instance ? `, SMS ${instance}` : ''}`;
}

function describeSpec(spec: CampaignSpec): string {
  const list = spec.dialList.kind === 'inline' ? `${spec.dialList.entries.length} inline entries` : `file ${spec.dialList.path}`;
  const pace = spec.pacing.batchesPerSecond ? `, at most ${spec.pacing.batchesPerSecond} batches/s` : '';
  return [
    `**Dial list:** ${list}`,
    `**Connect:** ${connectTarget(spec)}`,
    `**Pacing:** ${spec.pacing.batchSize} per batch, ${spec.pacing.batchesInFlight} in flight${pace}${spec.pacing.adaptive ? ', adaptive' : ''}`,
    `**SMS deflection:** ${spec.chat ? `from ${spec.chat.sourcePhoneNumberArn}` : 'not configured'}`,
    'Steer it: `connect-dialer pause|resume|cancel|deflect --campaign-id ' + spec.campaignId + '`',
  ].join('\n\n');
}
