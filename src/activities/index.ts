import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectClient } from '@aws-sdk/client-connect';
import { GetCampaignStateCommand, type ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import type { DialListSource, SubmissionApi, ValidationSettings } from '../domain/campaign';
import type { ContactDefaults } from '../domain/contact-entry';
import { dialListInvalidReason, dialListInvalidType } from '../domain/failure-types';
import type { ConnectQueues } from '../domain/connect-queues';
import { packEntries, type EntryRun } from '../domain/batch';
import type { OutcomeRecord } from '../domain/outcome';
import type { WaitingCounts } from '../domain/waiting';
import type { CampaignStore, ContactLookup, DeflectionRecord, ReadyDeflection, StagedPage, UnsentEntries } from '../storage/campaign-store';
import { putContactBatch, type BatchInput } from './batch-put-contact';
import { settleCalls, type CallsSettlement, type SettleCallsInput } from './call-reconcile';
import { toConnectFailure } from './aws-error-mapping';
import { activityCallOptions } from './connect-call';
import { DialListError } from '../dial-list/dial-list-reader';
import { startOutboundChat, type ChatInput } from './outbound-chat';
import { putOutboundRequestBatch, type OutboundRequestBatchInput } from './outbound-request-batch';
import { screenEntries, type SendRules } from './send-screening';
import { stageDialList } from './staging';
import { countingOutcomes } from '../telemetry/outcome-metrics';

export interface ActivityDependencies {
  connect: ConnectClient;
  /** Outbound Campaigns v2, for campaigns that submit through PutOutboundRequestBatch. */
  campaignsV2?: ConnectCampaignsV2Client;
  /** Staged entries, outcomes and attempts (PostgreSQL, or the embedded PGlite). */
  store: CampaignStore;
  /** The task queues this deployment's Connect calls go through (one quota each). */
  connectQueues: ConnectQueues;
  /** Resolves relative dial-list paths; the worker's working directory by default. */
  baseDir?: string;
  /** A call with no final event this long after it was placed is asked about with DescribeContact (default 300 s). */
  reconcileAfterSeconds?: number;
}

/** An entry that failed for good, as the workflow reports it. */
export interface FailedEntry {
  index: number;
  code: string;
  /** Why it is not retried ("permanent failure code"); follows Connect's message from the entry's last send. */
  why?: string;
  /** The whole message, when the failure was the call's rather than the entry's (no send of it was answered). */
  message?: string;
}

export type { ContactLookup, DeflectionRecord, ReadyDeflection, StagedPage };

/** A deflection carried by a campaign of carried-state version 2, with its own text, moved to the store. */
export interface CarriedDeflection extends DeflectionRecord {
  message?: string;
  attributes?: Record<string, string>;
}

export function createActivities(deps: ActivityDependencies) {
  // Every outcome the store takes is counted once, here (src/telemetry/outcome-metrics.ts).
  const store = countingOutcomes(deps.store);
  const campaignsV2 = (): ConnectCampaignsV2Client => {
    if (!deps.campaignsV2) throw ApplicationFailure.nonRetryable('this worker has no Outbound Campaigns v2 client; it needs one to run campaigns with --api outbound-campaigns-v2');
    return deps.campaignsV2;
  };

  return {
    /** Where this deployment's Connect calls go: asked once per campaign, so the workers' configuration decides. */
    connectTaskQueues(): Promise<ConnectQueues> {
      return Promise.resolve(deps.connectQueues);
    },

    async stageDialList(input: {
      campaignKey: string;
      source: DialListSource;
      defaults: ContactDefaults;
      validation?: ValidationSettings;
      api?: SubmissionApi;
      /** The calling rules staging applies (patch 'calling-rules'): suppressed numbers are not staged; a zone attribute must name a zone. */
      rules?: SendRules;
    }) {
      try {
        return await stageDialList({
          rules: input.rules,
          source: input.source,
          defaults: input.defaults,
          validation: input.validation,
          api: input.api,
          store,
          campaignKey: input.campaignKey,
          baseDir: deps.baseDir,
          onProgress: (entriesRead) => heartbeat({ entriesRead }),
        });
      } catch (err) {
        // A missing file or a bad header does not fix itself: fail the campaign with the reason.
        if (err instanceof DialListError) throw ApplicationFailure.nonRetryable(dialListInvalidReason(err.field, err.message), dialListInvalidType);
        throw err;
      }
    },

    /**
     * The next indices of the staged list: the workflow never holds the entries themselves. With
     * a calling window, entries whose window is closed now go to wait in the store instead (`waiting`).
     */
    async readStagedPage(input: {
      campaignKey: string;
      fromIndex: number;
      maxEntries: number;
      rules?: SendRules;
      defaults?: ContactDefaults;
    }): Promise<StagedPage & { waiting?: WaitingCounts }> {
      const page = await store.stagedPage(input.campaignKey, input.fromIndex, input.maxEntries);
      if (!input.rules?.window || page.indices.length === 0) return page;
      const staged = await store.stagedEntries(input.campaignKey, page.indices);
      const screened = await screenEntries(
        store,
        input.campaignKey,
        staged.map((s) => ({ staged: s })),
        input.rules,
        { defaults: input.defaults ?? {}, sendsBefore: () => 0, checkSuppression: false },
      );
      return { ...page, indices: screened.send.map((s) => s.item.staged.index), ...(screened.deferred ? { waiting: screened.deferred } : {}) };
    },

    /**
     * Releases waiting entries that are due at the workflow's `now` (at most `max`), each with
     * the sends it had (packed as [index, count, sends]), and what still waits. `releaseId` makes
     * a retry answer the same entries.
     */
    async releaseWaitingEntries(input: { campaignKey: string; releaseId: string; now: number; max: number }): Promise<{ released: EntryRun[]; waiting: WaitingCounts }> {
      const released = await store.releaseDue(input.campaignKey, input.releaseId, Math.max(input.now, Date.now()), input.max);
      return { released: packEntries(released.map((r) => [r.index, r.sends])), waiting: await store.waitingSummary(input.campaignKey) };
    },

    /** What waits in the store for this campaign (a continued run asks once). */
    async waitingEntries(input: { campaignKey: string }): Promise<WaitingCounts> {
      return store.waitingSummary(input.campaignKey);
    },

    async putContactBatch(input: BatchInput) {
      return whileHeartbeating(putContactBatch(deps.connect, store, input, activityCallOptions()));
    },

    async putOutboundRequestBatch(input: OutboundRequestBatchInput) {
      return whileHeartbeating(putOutboundRequestBatch(campaignsV2(), store, input, activityCallOptions()));
    },

    /** The Outbound Campaigns v2 campaign's state (Running, Paused, …). */
    async getV2CampaignState(input: { v2CampaignId: string }): Promise<string> {
      try {
        const answer = await campaignsV2().send(new GetCampaignStateCommand({ id: input.v2CampaignId }), activityCallOptions());
        return answer.state ?? 'Unknown';
      } catch (err) {
        throw toConnectFailure(err, 'GetCampaignState', input.v2CampaignId);
      }
    },

    async startOutboundChat(input: ChatInput) {
      return whileHeartbeating(startOutboundChat(deps.connect, store, input, activityCallOptions()));
    },

    /** FAILED outcomes, each with Connect's message from the entry's last send. */
    async recordFailed(input: { campaignKey: string; entries: FailedEntry[] }): Promise<void> {
      if (input.entries.length === 0) return;
      const indices = input.entries.map((e) => e.index);
      const [staged, attempts] = await Promise.all([store.stagedEntries(input.campaignKey, indices), store.lastAttempts(input.campaignKey, indices)]);
      const records: OutcomeRecord[] = input.entries.map((e, i) => {
        const said = attempts.get(e.index)?.message;
        return {
          requestIdentifier: staged[i]?.entry.RequestIdentifier ?? `row-${e.index + 1}`,
          index: e.index,
          outcome: 'FAILED',
          failureCode: e.code,
          message: e.message ?? (said ? `${said} (${e.why ?? e.code})` : (e.why ?? e.code)),
        };
      });
      await store.recordOutcomes(input.campaignKey, records);
    },

    /** Marks CANCELLED every entry the campaign will never send; answers how many. */
    async cancelRemaining(input: { campaignKey: string; unsent: UnsentEntries; waiting?: boolean }): Promise<number> {
      const unsent = (await store.cancelUnsent(input.campaignKey, input.unsent)).covered;
      if (!input.waiting) return unsent;
      return unsent + (await store.cancelWaiting(input.campaignKey, input.unsent.message)).covered;
    },

    /** Records deflections a campaign accepted, with the request's text: the campaign holds their orders, not them. */
    async recordDeflections(input: { campaignKey: string; deflections: DeflectionRecord[]; message?: string; attributes?: Record<string, string> }): Promise<void> {
      const text = { message: input.message, attributes: input.attributes };
      await store.recordDeflections(
        input.campaignKey,
        input.deflections.map((d) => ({ ...d, ...text })),
      );
    },

    /** Orders deflections whose batch answered: the SMS pump may send them now. */
    async releaseDeflections(input: { campaignKey: string; released: { index: number; order: number; afterCall: boolean }[] }): Promise<void> {
      await store.releaseDeflections(input.campaignKey, input.released);
    },

    /** The SMS pump's next page: deflections ordered after `afterOrder`. */
    async readyDeflections(input: { campaignKey: string; afterOrder: number; max: number }): Promise<ReadyDeflection[]> {
      return store.readyDeflections(input.campaignKey, input.afterOrder, input.max);
    },

    /** Moves what a version-2 carried state held into the store: its pending deflections (ordered) and every id it deflected. */
    async importDeflections(input: { campaignKey: string; pending: CarriedDeflection[]; requestIdentifiers: string[] }): Promise<void> {
      await store.recordDeflections(input.campaignKey, input.pending);
      await store.markDeflected(input.campaignKey, input.requestIdentifiers);
    },

    /** Call outcomes: asks DescribeContact about calls whose final event never came, settles the rest as UNKNOWN when told; answers where the calls stand. */
    async settleCalls(input: SettleCallsInput): Promise<CallsSettlement> {
      return settleCalls(deps.connect, store, input, (deps.reconcileAfterSeconds ?? 300) * 1000, activityCallOptions());
    },

    /** Where each id stands in the store: a staged entry (and its outcome), a REJECTED entry, or nowhere. */
    async lookupContacts(input: { campaignKey: string; requestIdentifiers: string[] }): Promise<ContactLookup[]> {
      return store.lookup(input.campaignKey, input.requestIdentifiers);
    },
  };
}

export type CampaignActivities = ReturnType<typeof createActivities>;

/**
 * Heartbeats each second while a Connect call runs, so that a call on a worker that died is
 * retried after the workflow's short heartbeat timeout instead of its start-to-close timeout.
 */
async function whileHeartbeating<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(), 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
