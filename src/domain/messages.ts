import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeflectAnswer, DeflectionAnswerState, DeflectRequest, DeflectSignal } from './deflection';
import type { Progress } from './progress';

/** Every message the campaign workflow handles, defined once for the workflow and its callers. */
export interface ReasonPayload {
  reason?: string;
}

export const pauseSignal = defineSignal<[ReasonPayload?]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const cancelSignal = defineSignal<[ReasonPayload?]>('cancel');
/**
 * Deflects contacts to SMS. With `answerId`, the campaign keeps its answer (which ids were
 * accepted, why the others were not) for `deflectionAnswerQuery`: that is how
 * CampaignClient.deflect answers its callers.
 */
export const deflectToChatSignal = defineSignal<[DeflectSignal]>('deflectToChat');
/**
 * The same, as a Temporal update. Kept for histories and callers that used it; the client no
 * longer sends it: a storm of concurrent updates met an SDK defect that wedged a campaign
 * (docs/architecture.md, "Steering"), and Temporal admits at most 10 updates in flight per workflow.
 */
export const deflectToChatUpdate = defineUpdate<DeflectAnswer, [DeflectRequest]>('deflectToChatChecked');
export const deflectionAnswerQuery = defineQuery<DeflectionAnswerState, [string]>('deflectionAnswer');
export const progressQuery = defineQuery<Progress>('progress');
