import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeflectAnswer, DeflectRequest } from './deflection';
import type { Progress } from './progress';

/** Every message the campaign workflow handles, defined once for the workflow and its callers. */
export interface ReasonPayload {
  reason?: string;
}

export const pauseSignal = defineSignal<[ReasonPayload?]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const cancelSignal = defineSignal<[ReasonPayload?]>('cancel');
export const deflectToChatSignal = defineSignal<[DeflectRequest]>('deflectToChat');
/** The same as the signal, answering which ids were accepted and why the others were not. */
export const deflectToChatUpdate = defineUpdate<DeflectAnswer, [DeflectRequest]>('deflectToChatChecked');
export const progressQuery = defineQuery<Progress>('progress');
