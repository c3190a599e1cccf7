import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { waitingByLane } from '../domain/batch-assembly';
import { formatProgressDetails, type CampaignResult, type CampaignStatus, type Progress } from '../domain/progress';
import { campaignStatusKey } from '../domain/search-attributes';
import type { CampaignRun } from './campaign-run';
import { entriesCanWait } from './calling-rules';

/** The status operators see, from the phase. */
export function statusOf(run: CampaignRun): CampaignStatus {
  switch (run.phase.name) {
    case 'failing':
      return 'FAILED';
    case 'cancelling':
      return 'CANCELLING';
    case 'paused':
      return 'PAUSED';
    case 'running':
      return run.state.staged ? 'RUNNING' : 'STAGING';
  }
}

/** Why the campaign is stopping (failing or cancelling), if it is. */
export function stopReason(run: CampaignRun): string | undefined {
  return run.phase.name === 'failing' || run.phase.name === 'cancelling' ? run.phase.reason : undefined;
}

export function progressOf(run: CampaignRun, status: CampaignStatus = statusOf(run)): Progress {
  const s = run.state;
  return {
    campaignId: run.spec.campaignId,
    status,
    total: s.staged?.total,
    outcomes: { ...s.outcomes },
    byFailureCode: { ...s.byFailureCode },
    batchesSent: s.batchesSent,
    batchesInFlight: run.inFlight.size,
    retries: s.retries,
    retrying: s.lanes.length + s.splits.reduce((n, g) => n + g.length, 0) + (s.heldBatches ?? []).reduce((n, b) => n + b.items.length, 0),
    waitingByLane: waitingByLane(s.lanes),
    ...(entriesCanWait(run)
      ? {
          waiting: {
            total: run.waiting.total,
            byZone: { ...run.waiting.byZone },
            ...(run.waiting.nextDueAt !== undefined ? { nextDueAt: new Date(run.waiting.nextDueAt).toISOString() } : {}),
          },
        }
      : {}),
    ...(run.calls.counts ? { dispositions: { ...run.calls.counts } } : {}),
    ...(s.redials !== undefined ? { redials: s.redials } : {}),
    pendingDeflections: s.deflections.length + (s.deflectionOrders.ordered - s.deflectionOrders.taken) + run.awaitingBatch.size + run.chatsInFlight,
    paceDelayMs: s.pace.delayMs,
    pauseReason: run.phase.name === 'paused' ? run.phase.reason : undefined,
    reason: stopReason(run),
    runs: s.runs,
    startedAt: new Date(s.startedAtMs).toISOString(),
    updatedAt: new Date(Date.now()).toISOString(),
  };
}

/** Shows the campaign's progress in the Web UI (current details, the status search attribute) and the metrics. */
export function publish(run: CampaignRun, status: CampaignStatus = statusOf(run)): void {
  const progress = progressOf(run, status);
  wf.setCurrentDetails(formatProgressDetails(progress));
  run.metrics.progressed(progress);
  if (status !== run.publishedStatus) {
    run.publishedStatus = status;
    wf.upsertSearchAttributes([{ key: campaignStatusKey, value: status }]);
  }
}

export function resultOf(run: CampaignRun, status: CampaignResult['status']): CampaignResult {
  const s = run.state;
  const finishedAt = Date.now();
  publish(run, status);
  return {
    campaignId: run.spec.campaignId,
    status,
    reason: stopReason(run),
    total: s.staged?.total ?? 0,
    outcomes: { ...s.outcomes },
    byFailureCode: { ...s.byFailureCode },
    batchesSent: s.batchesSent,
    retries: s.retries,
    runs: s.runs,
    ...(s.redials !== undefined ? { redials: s.redials } : {}),
    startedAt: new Date(s.startedAtMs).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - s.startedAtMs,
  };
}

/** A failed campaign fails its workflow (red in the UI) and still carries its result. */
export function campaignFailed(result: CampaignResult): ApplicationFailure {
  return ApplicationFailure.create({ type: 'CampaignFailed', message: result.reason ?? 'campaign failed', nonRetryable: true, details: [result] });
}
