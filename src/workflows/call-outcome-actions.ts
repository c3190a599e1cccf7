import { housekeeping } from './activity-proxies';
import type { CampaignRun } from './campaign-run';
import { publish } from './reporting';

/** The first wait between looks at the calls; it doubles while a look finds nothing new, up to the last. */
const FIRST_LOOK_MS = 2_000;
const LAST_LOOK_MS = 30_000;

/**
 * Acting on call outcomes in the workflow (docs/call-outcomes.md, "Redials and SMS after a
 * voicemail"). The run looks at its calls through one activity: the store, which the worker's
 * contact-event consumer writes, schedules redials in waiting_entries (released like entries
 * outside their calling window) and orders SMS after voicemails for the SMS pump. The run
 * holds counts only; a look is one activity and at most one timer, at most every 30 s once
 * nothing changes, so history stays small (docs/architecture.md, "Call outcomes").
 */

/** Calls may still lead to a redial or an SMS: some were placed since the last look, or were undecided then. */
export function callsUnsettled(run: CampaignRun): boolean {
  return run.outcomeActions && (run.calls.unlooked || run.calls.pending > 0);
}

/** Notes whether the run has anything left to send: the settle time counts from when it had nothing. */
export function noteQuiet(run: CampaignRun, now: number): void {
  if (!run.outcomeActions) return;
  if (run.isComplete()) run.calls.quietSince ??= now;
  else delete run.calls.quietSince;
}

/** When the run looks at its calls next (workflow time), undefined when it need not. */
export function nextLookAt(run: CampaignRun): number | undefined {
  if (!callsUnsettled(run) || run.phase.name !== 'running') return undefined;
  const deadline = settleDeadline(run);
  return deadline === undefined ? run.calls.nextLookAt : Math.min(run.calls.nextLookAt, deadline);
}

export function lookDue(run: CampaignRun, now: number): boolean {
  const at = nextLookAt(run);
  return at !== undefined && at <= now;
}

/**
 * Looks at the calls: the activity settles what it can (UNKNOWN once the settle time after the
 * run's last send is over), schedules redials and orders SMS. It runs among the deflection
 * writes, whose orders it continues.
 */
export async function lookAtCalls(run: CampaignRun): Promise<void> {
  const settings = run.spec.callOutcomes;
  if (!settings) return;
  const now = Date.now();
  const deadline = settleDeadline(run);
  const settle = deadline !== undefined && now >= deadline;
  const s = run.state;
  const instanceId = run.spec.submission.api === 'batch-put-contact' ? run.spec.instanceId : undefined;
  run.calls.unlooked = false;
  await run.writeDeflections(async () => {
    const look = await housekeeping.actOnCallOutcomes.executeWithOptions(
      { summary: settle ? 'record the undecided calls UNKNOWN, act on the rest' : "act on the calls' outcomes" },
      [
        {
          campaignKey: run.workflowId,
          instanceId,
          settle,
          redial: settings.redial,
          // No chat settings, no SMS (the spec refuses smsOn without them; a continued run keeps its spec).
          smsOn: run.spec.chat ? settings.smsOn : [],
          orderAfter: s.deflectionOrders.ordered,
        },
      ],
    );
    s.deflectionOrders.ordered += look.ordered;
    s.redials = (s.redials ?? 0) + look.redialled;
    run.waiting = look.waiting;
    run.calls.pending = look.pending;
    run.calls.counts = look.counts;
    const changed = look.acted > 0 || look.more || run.calls.unlooked;
    run.calls.waitMs = changed ? FIRST_LOOK_MS : Math.min(Math.max(run.calls.waitMs * 2, FIRST_LOOK_MS), LAST_LOOK_MS);
    run.calls.nextLookAt = Date.now() + (look.more ? 0 : run.calls.waitMs);
  });
  publish(run);
}

function settleDeadline(run: CampaignRun): number | undefined {
  const since = run.calls.quietSince;
  const settings = run.spec.callOutcomes;
  return since === undefined || !settings ? undefined : since + settings.settleWithinSeconds * 1000;
}
