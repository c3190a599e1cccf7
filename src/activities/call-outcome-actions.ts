import type { ConnectClient } from '@aws-sdk/client-connect';
import type { CallOutcomesSettings } from '../domain/call-outcomes-spec';
import type { WaitingCounts } from '../domain/waiting';
import { redialsByDisposition, type CallOutcomeActions } from '../storage/call-outcome-actions';
import type { CampaignStore } from '../storage/campaign-store';
import { countRedials } from '../telemetry/disposition-metrics';
import { settleCalls, type CallsSettlement, type SettleCallsInput } from './call-reconcile';
import type { ConnectCallOptions } from './connect-call';

export interface ActOnCallOutcomesInput extends SettleCallsInput {
  redial: CallOutcomesSettings['redial'];
  /** Dispositions that get an SMS after the call; empty when the campaign has no chat settings. */
  smsOn: CallOutcomesSettings['smsOn'];
  /** The campaign's last deflection order (its deflection writes are serial, this look among them). */
  orderAfter: number;
}

export interface CallOutcomesLook extends CallsSettlement, Omit<CallOutcomeActions, 'redialledBy'> {
  /** What waits in the store now, redials among it. */
  waiting: WaitingCounts;
  /** More decided calls than one look acts on: look again soon. */
  more: boolean;
}

/** Decided calls one look acts on at most. */
const MAX_ACTED = 2_000;

/**
 * The campaign's look at its calls (docs/call-outcomes.md): reconciles the calls whose final
 * event never came (and settles them UNKNOWN when told), then acts once on each newly decided
 * call: a redial waits in the store, an SMS after a voicemail is ordered for the SMS pump.
 * Answers counts only (invariant 5).
 */
export async function actOnCallOutcomes(
  connect: ConnectClient,
  store: CampaignStore,
  input: ActOnCallOutcomesInput,
  reconcileAfterMs: number,
  call: ConnectCallOptions = {},
): Promise<CallOutcomesLook> {
  const settlement = await settleCalls(connect, store, { campaignKey: input.campaignKey, instanceId: input.instanceId, settle: input.settle }, reconcileAfterMs, call);
  const { redialledBy, ...actions } = await store.actOnDecidedCalls({
    campaignKey: input.campaignKey,
    redials: redialsByDisposition(input.redial),
    smsOn: input.smsOn,
    orderAfter: input.orderAfter,
    max: MAX_ACTED,
  });
  // Counted here, where the store scheduled them: a retried look schedules (and counts) none again.
  countRedials(input.campaignKey, redialledBy);
  return { ...settlement, ...actions, waiting: await store.waitingSummary(input.campaignKey), more: actions.acted >= MAX_ACTED };
}
