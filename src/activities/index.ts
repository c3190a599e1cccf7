import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectClient } from '@aws-sdk/client-connect';
import { GetCampaignStateCommand, type ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import type { DialListSource, SubmissionApi, ValidationSettings } from '../domain/campaign';
import type { ContactDefaults, StagedEntry } from '../domain/contact-entry';
import type { OutcomeRecord } from '../domain/outcome';
import { putContactBatch, type BatchInput } from './batch-put-contact';
import { toConnectFailure } from './connect-errors';
import { putOutboundRequestBatch, type OutboundRequestBatchInput } from './outbound-request-batch';
import { campaignDir } from './campaign-files';
import { DialListError } from './dial-list-reader';
import { dialListInvalidReason, dialListInvalidType } from '../domain/connect-failures';
import { startOutboundChat, type ChatInput } from './outbound-chat';
import type { OutcomeStore } from './outcome-store';
import { findStagedEntries, forEachStagedEntry, readStagedPage } from './staged-list';
import { stageDialList } from './staging';

export interface ActivityDependencies {
  connect: ConnectClient;
  /** Outbound Campaigns v2, for campaigns that submit through PutOutboundRequestBatch. */
  campaignsV2?: ConnectCampaignsV2Client;
  outcomes: OutcomeStore;
  /** Where staged dial lists live (and, for the file store, outcomes). */
  dataDir: string;
  /** Resolves relative dial-list paths; the worker's working directory by default. */
  baseDir?: string;
}

/** What a deflection lookup found for one RequestIdentifier outside the workflow's memory. */
export type ContactLookup =
  | { requestIdentifier: string; found: 'unknown' }
  | { requestIdentifier: string; found: 'outcome'; record: OutcomeRecord; entry?: StagedEntry }
  | { requestIdentifier: string; found: 'staged'; entry: StagedEntry; offset: number };

const CANCEL_CHUNK = 10_000;

export function createActivities(deps: ActivityDependencies) {
  const dirOf = (campaignKey: string): string => campaignDir(deps.dataDir, campaignKey);
  const campaignsV2 = (): ConnectCampaignsV2Client => {
    if (!deps.campaignsV2) throw ApplicationFailure.nonRetryable('this worker has no Outbound Campaigns v2 client; it needs one to run campaigns with --api outbound-campaigns-v2');
    return deps.campaignsV2;
  };

  return {
    async stageDialList(input: { campaignKey: string; source: DialListSource; defaults: ContactDefaults; validation?: ValidationSettings; api?: SubmissionApi }) {
      try {
        return await stageDialList({
          dir: dirOf(input.campaignKey),
          source: input.source,
          defaults: input.defaults,
          validation: input.validation,
          api: input.api,
          outcomes: deps.outcomes,
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

    async readStagedPage(input: { campaignKey: string; offset: number; maxEntries: number }) {
      return readStagedPage(dirOf(input.campaignKey), input.offset, input.maxEntries);
    },

    async putContactBatch(input: BatchInput) {
      return whileHeartbeating(putContactBatch(deps.connect, deps.outcomes, input));
    },

    async putOutboundRequestBatch(input: OutboundRequestBatchInput) {
      return whileHeartbeating(putOutboundRequestBatch(campaignsV2(), deps.outcomes, input));
    },

    /** The Outbound Campaigns v2 campaign's state (Running, Paused, …). */
    async getV2CampaignState(input: { v2CampaignId: string }): Promise<string> {
      try {
        const answer = await campaignsV2().send(new GetCampaignStateCommand({ id: input.v2CampaignId }));
        return answer.state ?? 'Unknown';
      } catch (err) {
        throw toConnectFailure(err, 'GetCampaignState', input.v2CampaignId);
      }
    },

    async startOutboundChat(input: ChatInput) {
      return whileHeartbeating(startOutboundChat(deps.connect, deps.outcomes, input));
    },

    async recordOutcomes(input: { campaignKey: string; key: string; records: OutcomeRecord[] }): Promise<void> {
      await deps.outcomes.write(input.campaignKey, input.key, input.records);
    },

    /**
     * Marks CANCELLED every entry the campaign will never send: those it holds in memory
     * (`held`) and the rest of the staged list from `fromOffset` (none when absent: the list was read to its end), less `skipIds`. Keys are deterministic, so
     * a retry rewrites the same files.
     */
    async cancelRemaining(input: { campaignKey: string; fromOffset?: number; held: StagedEntry[]; skipIds: string[]; reason: string }): Promise<number> {
      const message = `not sent: ${input.reason}`;
      const toRecord = (s: StagedEntry): OutcomeRecord => ({ requestIdentifier: s.entry.RequestIdentifier, index: s.index, outcome: 'CANCELLED', message });
      await deps.outcomes.write(input.campaignKey, 'cancelled-held', input.held.map(toRecord));
      let chunk: OutcomeRecord[] = [];
      let chunkNo = 0;
      const flush = async (): Promise<void> => {
        await deps.outcomes.write(input.campaignKey, `cancelled-${String(chunkNo++).padStart(6, '0')}`, chunk);
        chunk = [];
        heartbeat({ chunkNo });
      };
      // Deflected entries in the unread part already have (or are held for) their outcome.
      const skip = new Set(input.skipIds);
      let rest = 0;
      // Runs before this one sent Number.MAX_SAFE_INTEGER for "read to its end".
      const unreadFrom = input.fromOffset !== undefined && input.fromOffset < Number.MAX_SAFE_INTEGER ? input.fromOffset : undefined;
      if (unreadFrom !== undefined) await forEachStagedEntry(dirOf(input.campaignKey), unreadFrom, async (s) => {
        if (skip.has(s.entry.RequestIdentifier)) return;
        rest++;
        chunk.push(toRecord(s));
        if (chunk.length >= CANCEL_CHUNK) await flush();
      });
      if (chunk.length > 0) await flush();
      return input.held.length + rest;
    },

    /** Where each id stands outside the workflow's memory: an outcome already, a staged entry, or nowhere. */
    async lookupContacts(input: { campaignKey: string; requestIdentifiers: string[] }): Promise<ContactLookup[]> {
      const [records, staged] = await Promise.all([
        deps.outcomes.find(input.campaignKey, input.requestIdentifiers),
        findStagedEntries(dirOf(input.campaignKey), input.requestIdentifiers),
      ]);
      return input.requestIdentifiers.map((requestIdentifier): ContactLookup => {
        const entry = staged.get(requestIdentifier);
        // A later duplicate of this id may have been REJECTED: that is not this entry's outcome.
        const found = records.get(requestIdentifier);
        const record = found && !(found.outcome === 'REJECTED' && entry && found.index !== undefined && found.index !== entry.index) ? found : undefined;
        if (record) return { requestIdentifier, found: 'outcome', record, entry: entry && { index: entry.index, entry: entry.entry } };
        if (entry) return { requestIdentifier, found: 'staged', entry: { index: entry.index, entry: entry.entry }, offset: entry.offset };
        return { requestIdentifier, found: 'unknown' };
      });
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
