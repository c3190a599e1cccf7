import type { WorkflowExecutionDescription } from '@temporalio/client';
import { outcomeKinds, type OutcomeCounts } from '../domain/outcome';
import { settled, type CampaignResult, type Progress } from '../domain/progress';
import { formatCount as fmt, formatDuration } from './progress-view';

/** What `start --wait` prints at the end, and `status` for a campaign that ended. */
export function formatResult(r: CampaignResult): string {
  return [
    `Campaign ${r.campaignId} ${r.status} after ${formatDuration(r.durationMs / 1000)}: ${fmt(r.total)} entries`,
    r.reason ? `  reason: ${r.reason}` : undefined,
    `  ${countsText(r.outcomes)}`,
    codesText(r.byFailureCode),
    r.dispositions
      ? `  calls: ${Object.entries(r.dispositions)
          .map(([d, n]) => `${d} ${fmt(n)}`)
          .join(' · ')}${r.redials ? ` · ${fmt(r.redials)} redials` : ''}`
      : undefined,
    `  ${fmt(r.batchesSent)} batches · ${fmt(r.retries)} retries · ${r.runs} run${r.runs === 1 ? '' : 's'} · ${r.startedAt} → ${r.finishedAt}`,
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

/** What `status` prints for a running campaign. */
export function formatProgress(p: Progress): string {
  const total = p.total === undefined ? '? (still reading the dial list)' : fmt(p.total);
  return [
    `Campaign ${p.campaignId} ${p.status}: ${fmt(settled(p.outcomes))} of ${total} entries settled`,
    p.pauseReason ? `  paused: ${p.pauseReason}` : undefined,
    p.reason ? `  reason: ${p.reason}` : undefined,
    `  ${countsText(p.outcomes)}`,
    codesText(p.byFailureCode),
    p.dispositions
      ? `  calls: ${
          Object.entries(p.dispositions)
            .filter(([, n]) => n > 0)
            .map(([d, n]) => `${d} ${fmt(n)}`)
            .join(' · ') || 'none decided yet'
        }${p.redials ? ` · ${fmt(p.redials)} redials` : ''}${p.waiting?.total ? ` · ${fmt(p.waiting.total)} waiting` : ''}`
      : undefined,
    `  ${fmt(p.batchesSent)} batches sent · ${p.batchesInFlight} in flight · ${fmt(p.retries)} retries · ${fmt(p.retrying)} retrying · ${p.pendingDeflections} deflections pending` +
      (p.paceDelayMs > 0 ? ` · pace slowed by ${p.paceDelayMs} ms/batch` : ''),
    `  started ${p.startedAt} · updated ${p.updatedAt} · run ${p.runs}`,
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

/** A campaign that ended without a result (terminated or timed out from outside). */
export function formatClosedWithoutResult(campaignId: string, d: WorkflowExecutionDescription): string {
  return `Campaign ${campaignId} was ${d.status.name.toLowerCase().replace('_', ' ')} at ${d.closeTime?.toISOString() ?? '?'} and has no result; its outcomes so far are in \`connect-dialer report --campaign-id ${campaignId}\`.`;
}

function countsText(outcomes: OutcomeCounts): string {
  return outcomeKinds.map((k) => `${k} ${fmt(outcomes[k])}`).join(' · ');
}

function codesText(byFailureCode: Record<string, number>): string | undefined {
  const codes = Object.entries(byFailureCode).sort(([, a], [, b]) => b - a);
  return codes.length > 0 ? `  failure codes: ${codes.map(([code, n]) => `${code} ${fmt(n)}`).join(' · ')}` : undefined;
}
