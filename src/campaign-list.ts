import type { Client, WorkflowExecutionInfo, WorkflowExecutionStatusName } from '@temporalio/client';
import { campaignStatuses, finalStatuses, type CampaignStatus } from './domain/progress';
import { campaignIdKey, campaignStatusKey } from './domain/search-attributes';

/** One campaign as Temporal's visibility store sees it: no query to its workflow, so no worker is needed. */
export interface CampaignListing {
  campaignId: string;
  /**
   * The campaign's status (the CampaignStatus search attribute the workflow keeps up to date), or
   * the workflow's own when it closed before recording a final one (TERMINATED, TIMED_OUT, …).
   */
  status: CampaignStatus | WorkflowExecutionStatusName;
  workflowId: string;
  runId: string;
  startedAt: string;
  endedAt?: string;
}

export interface ListCampaignsOptions {
  /** Only campaigns in this status. */
  status?: CampaignStatus;
  /** At most this many (default 20). */
  limit?: number;
}

export const DEFAULT_LIST_LIMIT = 20;

/**
 * The visibility query for campaigns, optionally of one status. Statuses are the search
 * attribute's Keyword values; campaignStatuses is the closed list, so nothing is quoted from input.
 */
export function campaignListQuery(status?: CampaignStatus): string {
  // A continued-as-new run is the same campaign as its successor: list each campaign once.
  const clauses = [`WorkflowType = 'campaign'`, `${campaignIdKey.name} IS NOT NULL`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (status !== undefined) {
    if (!campaignStatuses.includes(status)) throw new Error(`unknown campaign status ${status}`);
    clauses.push(`${campaignStatusKey.name} = '${status}'`);
    // A workflow closed from outside (terminated, timed out) keeps the last status it recorded.
    if (!(finalStatuses as readonly string[]).includes(status)) clauses.push(`ExecutionStatus = 'Running'`);
  }
  return clauses.join(' AND ');
}

function listingOf(info: WorkflowExecutionInfo): CampaignListing {
  const campaignId = info.typedSearchAttributes.get(campaignIdKey) ?? info.workflowId;
  const value = info.typedSearchAttributes.get(campaignStatusKey);
  const recorded = (campaignStatuses as readonly string[]).includes(value ?? '') ? (value as CampaignStatus) : undefined;
  const closed = info.status.name !== 'RUNNING';
  const final = recorded !== undefined && (finalStatuses as readonly string[]).includes(recorded);
  return {
    campaignId,
    status: closed && !final ? info.status.name : (recorded ?? info.status.name),
    workflowId: info.workflowId,
    runId: info.runId,
    startedAt: info.startTime.toISOString(),
    endedAt: info.closeTime?.toISOString(),
  };
}

/**
 * Campaigns newest first: Temporal lists running workflows by start time and closed ones by close
 * time, both descending, running ones first (as `temporal workflow list` shows them).
 */
export async function listCampaigns(client: Client, options: ListCampaignsOptions = {}): Promise<CampaignListing[]> {
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  const listings: CampaignListing[] = [];
  if (limit <= 0) return listings;
  for await (const info of client.workflow.list({ query: campaignListQuery(options.status), pageSize: Math.min(limit, 1000) })) {
    listings.push(listingOf(info));
    if (listings.length >= limit) break;
  }
  return listings;
}
