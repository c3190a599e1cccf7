import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { campaignWorkflowId } from './domain/campaign';
import type { ContactDataRetention, PurgedCampaign } from './storage/contact-data-retention';

/** Whether a campaign's workflow still runs, and when it closed (ms) if Temporal still knows. */
export type CampaignRunState = { running: true } | { running: false; closedAt?: number };

/** Asks Temporal; a workflow it no longer knows (past the namespace's retention) has ended. */
export function temporalRunState(client: Client): (campaignKey: string) => Promise<CampaignRunState> {
  return async (campaignKey) => {
    try {
      const d = await client.workflow.getHandle(campaignKey).describe();
      return d.status.name === 'RUNNING' ? { running: true } : { running: false, ...(d.closeTime ? { closedAt: d.closeTime.getTime() } : {}) };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { running: false };
      throw err;
    }
  };
}

/** A purge that may not happen: the campaign runs, or the store has no such campaign. */
export class PurgeRefusedError extends Error {
  override name = 'PurgeRefusedError';
}

/** Removes one ended campaign's contact data (docs/compliance.md, "Retention"); refuses a running one. */
export async function purgeCampaign(store: ContactDataRetention, campaignId: string, runState: (campaignKey: string) => Promise<CampaignRunState>): Promise<PurgedCampaign> {
  const campaignKey = campaignWorkflowId(campaignId);
  if ((await runState(campaignKey)).running) {
    throw new PurgeRefusedError(`campaign ${campaignId} is still running: its contact data is needed to call; cancel it (connect-dialer cancel) or wait for its end, then purge`);
  }
  const purged = await store.purgeContactData(campaignKey);
  if (!purged) throw new PurgeRefusedError(`campaign ${campaignId} has no staged list in this campaign store; pass the store the workers use (--database-url or --data-dir)`);
  return purged;
}

/** What a purge by age did. */
export interface AgePurge {
  purged: PurgedCampaign[];
  /** Campaigns the store last heard of before the cut-off that still run (a long window, say): kept. */
  running: string[];
}

const PAGE = 100;

/**
 * Purges every campaign that ended before `before` (ms): the store names those it last heard of
 * before then, Temporal tells whether each still runs and when it closed (a campaign it no
 * longer knows has ended long ago).
 */
export async function purgeEndedBefore(store: ContactDataRetention, before: number, runState: (campaignKey: string) => Promise<CampaignRunState>): Promise<AgePurge> {
  const answer: AgePurge = { purged: [], running: [] };
  const seen = new Set<string>();
  for (;;) {
    const kept = (await store.campaignsKeptBefore(before, PAGE + seen.size)).filter((k) => !seen.has(k.campaignKey));
    if (kept.length === 0) return answer;
    for (const { campaignKey } of kept) {
      seen.add(campaignKey);
      const state = await runState(campaignKey);
      if (state.running) {
        answer.running.push(campaignKey);
        continue;
      }
      if (state.closedAt !== undefined && state.closedAt >= before) continue;
      const purged = await store.purgeContactData(campaignKey);
      if (purged) answer.purged.push(purged);
    }
  }
}

/** `30d`, `12h`, `90m`, `2w` → ms; a clear error for anything else. */
export function parseRetentionDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|h|d|w)\s*$/i.exec(text);
  if (!m) throw new RangeError(`"${text}" is not a duration: a number and a unit, m (minutes), h (hours), d (days) or w (weeks), e.g. 30d`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[(m[2] as string).toLowerCase() as 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

/**
 * The workers' automatic retention (CONNECT_DIALER_RETENTION_DAYS): every `everyMs` (a quarter
 * of the retention, between 1 s and 1 h) purges the campaigns that ended longer ago than
 * `retentionMs`, until `signal` aborts. A failed round is logged and tried again next time.
 */
export async function runRetention(
  signal: AbortSignal,
  options: { store: ContactDataRetention; retentionMs: number; runState: (campaignKey: string) => Promise<CampaignRunState>; log: (line: string) => void },
): Promise<void> {
  const everyMs = Math.min(3_600_000, Math.max(1_000, options.retentionMs / 4));
  while (!signal.aborted) {
    try {
      const { purged } = await purgeEndedBefore(options.store, Date.now() - options.retentionMs, options.runState);
      for (const p of purged) options.log(`retention: purged the contact data of ${p.campaignKey} (${p.entries} entries)`);
    } catch (err) {
      options.log(`retention: a purge round failed, trying again in ${Math.round(everyMs / 1000)} s: ${(err as Error).message}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, everyMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
