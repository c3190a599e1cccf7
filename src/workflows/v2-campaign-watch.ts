import * as wf from '@temporalio/workflow';
import { housekeeping } from './activity-proxies';
import type { CampaignRun } from './campaign-run';
import { publish } from './reporting';

/**
 * The Outbound Campaigns v2 campaign is not running: pause with that reason (status PAUSED,
 * search attribute, progress, CLI all show it) and ask its state again on a timer, resuming
 * when it runs. An operator's resume sends the next batch, which pauses again if it still does
 * not run. A run continued while waiting calls this again from its start.
 */
export function waitForV2Campaign(run: CampaignRun, reason: string): void {
  const submission = run.spec.submission;
  if (submission?.api !== 'outbound-campaigns-v2' || run.stopping()) return;
  run.phase = {
    name: 'paused',
    reason: `${reason}; connect-dialer asks again every ${submission.stateRecheckSeconds} s and resumes when it runs`,
    waitingForV2Campaign: reason,
  };
  run.cancelScheduledBatches();
  publish(run);
  if (run.watchingV2Campaign) return;
  run.watchingV2Campaign = true;
  const waiting = (): boolean => run.phase.name === 'paused' && run.phase.waitingForV2Campaign !== undefined;
  void (async () => {
    try {
      while (waiting()) {
        await wf.sleep(submission.stateRecheckSeconds * 1000);
        const state = await housekeeping.getV2CampaignState
          .executeWithOptions({ summary: `is v2 campaign ${submission.campaignId} running?` }, [{ v2CampaignId: submission.campaignId }])
          .catch((err: unknown) => `unknown (${(err as Error).message})`);
        if (state === 'Running' && waiting()) {
          run.phase = { name: 'running' };
          publish(run);
        }
      }
    } finally {
      run.watchingV2Campaign = false;
    }
  })();
}
