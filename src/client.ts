import { isAbsolute, resolve } from 'node:path';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { OutcomeStore } from './activities/outcome-store';
import { writeReport, type ReportFormat } from './activities/report';
import { campaignSpecSchema, campaignWorkflowId, type CampaignSpec, type CampaignSpecInput } from './domain/campaign';
import { deflectRequestSchema, type DeflectAnswer, type DeflectRequest } from './domain/deflection';
import { cancelSignal, deflectToChatSignal, deflectToChatUpdate, pauseSignal, progressQuery, resumeSignal } from './domain/messages';
import type { OutcomeRecord } from './domain/outcome';
import { campaignResultSchema, type CampaignResult, type Progress } from './domain/progress';
import { campaignIdKey, campaignStatusKey } from './domain/search-attributes';
import type { campaign } from './workflows';

export const DEFAULT_TASK_QUEUE = 'connect-dialer';

/** Bad input from a caller: names the field and the reason. */
export class CampaignInputError extends Error {
  override name = 'CampaignInputError';
  constructor(
    readonly issues: { field: string; reason: string }[],
  ) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('\n'));
  }

  static fromZod(error: z.ZodError, prefix = ''): CampaignInputError {
    return new CampaignInputError(error.issues.map((i) => ({ field: prefix + (i.path.join('.') || '(input)'), reason: i.message })));
  }
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
  /**
   * Where the workers write outcomes, for report(): the store they were built with (for the
   * embedded default, `createFileOutcomeStore(<the workers' data folder>)`).
   */
  outcomes?: OutcomeStore;
}

/**
 * The typed API services use to run campaigns. Build it over a Temporal `Client` made
 * from the service's own connection settings.
 */
export class CampaignClient {
  private readonly taskQueue: string;
  private readonly outcomes?: OutcomeStore;

  constructor(
    readonly client: Client,
    options: CampaignClientOptions = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.outcomes = options.outcomes;
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
        staticSummary: `Campaign ${spec.campaignId} on instance ${spec.instanceId}`,
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

  /** Deflects contacts to SMS and answers which were accepted and why the others were not. */
  async deflect(campaignId: string, request: DeflectRequest): Promise<DeflectAnswer> {
    return this.handle(campaignId).executeUpdate(deflectToChatUpdate, { args: [parseDeflection(request)] });
  }

  /** Fire-and-forget deflection: durable once this returns, answered nowhere. */
  async deflectAsync(campaignId: string, request: DeflectRequest): Promise<void> {
    await this.handle(campaignId).signal(deflectToChatSignal, parseDeflection(request));
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
   * once the campaign has ended), read from the workers' outcome store.
   */
  report(campaignId: string): AsyncIterable<OutcomeRecord> {
    return this.outcomeStore().readAll(campaignWorkflowId(campaignId));
  }

  /** Writes report(campaignId) to a file as CSV or JSONL, atomically. */
  async writeReport(campaignId: string, path: string, format: ReportFormat = 'csv'): Promise<{ path: string; records: number }> {
    return writeReport(campaignWorkflowId(campaignId), this.outcomeStore(), path, format);
  }

  private outcomeStore(): OutcomeStore {
    if (!this.outcomes) {
      throw new Error('CampaignClient has no outcome store: pass { outcomes: createFileOutcomeStore(<the workers\' data folder>) } (or the store the workers use) to read reports');
    }
    return this.outcomes;
  }

  /** Waits for the campaign to end; a FAILED campaign is a result too, with its reason. */
  async result(campaignId: string): Promise<CampaignResult> {
    try {
      return await this.handle(campaignId).result();
    } catch (err) {
      const failedResult = resultFromFailure(err);
      if (failedResult) return failedResult;
      throw err;
    }
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

function parseDeflection(request: DeflectRequest): DeflectRequest {
  const parsed = deflectRequestSchema.safeParse(request);
  if (!parsed.success) throw CampaignInputError.fromZod(parsed.error);
  return parsed.data;
}

function resultFromFailure(err: unknown): CampaignResult | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== 'CampaignFailed') return undefined;
  const parsed = campaignResultSchema.safeParse(err.cause.details?.[0]);
  return parsed.success ? parsed.data : undefined;
}

function describeSpec(spec: CampaignSpec): string {
  const list = spec.dialList.kind === 'inline' ? `${spec.dialList.entries.length} inline entries` : `file ${spec.dialList.path}`;
  const pace = spec.pacing.batchesPerSecond ? `, at most ${spec.pacing.batchesPerSecond} batches/s` : '';
  return [
    `**Dial list:** ${list}`,
    `**Instance:** ${spec.instanceId}`,
    `**Pacing:** ${spec.pacing.batchSize} per batch, ${spec.pacing.batchesInFlight} in flight${pace}${spec.pacing.adaptive ? ', adaptive' : ''}`,
    `**SMS deflection:** ${spec.chat ? `from ${spec.chat.sourcePhoneNumberArn}` : 'not configured'}`,
    'Steer it: `connect-dialer pause|resume|cancel|deflect --campaign-id ' + spec.campaignId + '`',
  ].join('\n\n');
}
