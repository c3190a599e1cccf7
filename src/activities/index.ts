import type { ConnectClient } from '@aws-sdk/client-connect';
import type { ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import type { ConnectQueues, ConnectRates } from '../domain/connect-queues';
import type { CampaignStore, ContactLookup, DeflectionRecord, ReadyDeflection, StagedPage } from '../storage/campaign-store';
import { countingOutcomes } from '../telemetry/outcome-metrics';
import { connectActivities } from './connect-activities';
import { deflectionActivities } from './deflection-records';
import { dialListActivities } from './dial-list-staging';
import { entryEndingActivities } from './entry-endings';
import { heartbeatingEach } from './heartbeating';
import { waitingActivities } from './waiting-release';

export interface ActivityDependencies {
  connect: ConnectClient;
  /** Outbound Campaigns v2, for campaigns that submit through PutOutboundRequestBatch. */
  campaignsV2?: ConnectCampaignsV2Client;
  /** Staged entries, outcomes and attempts (PostgreSQL, or the embedded PGlite). */
  store: CampaignStore;
  /** The task queues this deployment's Connect calls go through (one quota each). */
  connectQueues: ConnectQueues;
  /** The calls per second the workers hold those queues to, for all of them together; unknown when absent. */
  connectRates?: ConnectRates;
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

/**
 * The campaign's activities, built from their dependencies. Each group lives in its own module:
 * the dial list in the store, entries waiting for their window, the calls to Connect, entries
 * the workflow ends, and deflections. The names are the workflow's contract (and its histories').
 */
export function createActivities(deps: ActivityDependencies) {
  // Every outcome the store takes is counted once, here (src/telemetry/outcome-metrics.ts).
  const store = countingOutcomes(deps.store);
  // Each heartbeats while it runs, so one on a worker that died is retried within the workflow's
  // heartbeat timeout (src/workflows/activity-proxies.ts); staging heartbeats its own progress.
  return heartbeatingEach(
    {
      ...dialListActivities(store, deps.baseDir),
      ...waitingActivities(store),
      ...connectActivities(deps, store),
      ...entryEndingActivities(store),
      ...deflectionActivities(store),
    },
    ['stageDialList'],
  );
}

export type CampaignActivities = ReturnType<typeof createActivities>;
