import * as wf from '@temporalio/workflow';
import { housekeeping } from './activity-proxies';
import type { CampaignRun } from './campaign-run';

/** The first wait between looks at the calls' outcomes; it doubles up to the last. */
const FIRST_LOOK_MS = 2_000;
const LAST_LOOK_MS = 30_000;

/**
 * With call outcomes on, a campaign ends when its calls have: it waits for their dispositions
 * (the worker's contact-event consumer writes them; an activity asks DescribeContact about
 * calls whose final event never came) at most `settleWithinSeconds`, then records UNKNOWN for
 * the rest. Answers entries by final disposition; undefined when call outcomes are off.
 * History stays small: a look is one activity and one timer, at most every 30 s.
 */
export async function settleCallOutcomes(run: CampaignRun): Promise<Record<string, number> | undefined> {
  const settings = run.spec.callOutcomes;
  if (settings === undefined || !wf.patched('call-outcomes-settle')) return undefined;
  const instanceId = run.spec.submission.api === 'batch-put-contact' ? run.spec.instanceId : undefined;
  const deadline = Date.now() + settings.settleWithinSeconds * 1000;
  let waitMs = FIRST_LOOK_MS;
  for (;;) {
    // A campaign told to stop waits no longer: what is undecided is UNKNOWN.
    const settle = Date.now() >= deadline || run.stopping();
    const answer = await housekeeping.settleCalls.executeWithOptions({ summary: settle ? 'record the undecided calls UNKNOWN' : "look for the calls' outcomes" }, [
      { campaignKey: run.workflowId, instanceId, settle },
    ]);
    if (answer.pending === 0 || settle) return answer.counts;
    await wf.condition(() => run.stopping(), Math.max(1, Math.min(waitMs, deadline - Date.now())));
    waitMs = Math.min(waitMs * 2, LAST_LOOK_MS);
  }
}
