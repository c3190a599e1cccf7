import { temporal } from '@temporalio/proto';

/** A campaign whose workflow task keeps failing: it will not progress until a worker is fixed. */
export interface CampaignStall {
  /** The workflow task's attempt number. */
  attempt: number;
  /**
   * `failing`: a worker ran the task and failed it (nondeterminism, a payload over the limit, a
   * code error). `not-completing`: the task first timed out, and no attempt since has completed.
   */
  kind: 'failing' | 'not-completing';
  /** The recorded failure, e.g. "[TMPRL1100] Nondeterminism error: …", or what is known. */
  message: string;
}

/** Attempts after which a workflow task that workers fail counts as stalled (one retry is ordinary). */
export const STALLED_AFTER_FAILED_ATTEMPTS = 2;

/**
 * Attempts after which a workflow task whose first attempt timed out counts as stalled. One
 * timeout is a worker that died holding the task (SIGKILL, a lost host); the next attempt
 * goes to any live worker and normally completes. Temporal records only the first attempt of
 * a streak in history, so when attempt after attempt does not complete, the workers that
 * took them either died too or failed them, and only their logs say which.
 */
export const STALLED_AFTER_TIMED_OUT_ATTEMPTS = 5;

const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;

/**
 * Failures that say nothing about the workflow's code: the server or worker dropped a
 * cached copy (sticky queue reset, reset, failover) or new events raced the completion.
 * They count like a timeout.
 */
const ORDINARY_CAUSES: ReadonlySet<temporal.api.enums.v1.WorkflowTaskFailedCause> = new Set([
  Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_FAILOVER_CLOSE_COMMAND,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_UPDATE,
]);

/**
 * Whether a running campaign's pending workflow task (at `attempt`) is stalled, judged by
 * how its current streak of attempts began: the last workflow task failure or timeout in
 * history (`newestFirst`, e.g. from GetWorkflowExecutionHistoryReverse). A task that a
 * worker fails is stalled from its second attempt; one that timed out because its worker
 * died is not, unless attempts keep not completing (STALLED_AFTER_TIMED_OUT_ATTEMPTS).
 */
export function stallOf(attempt: number, newestFirst: readonly temporal.api.history.v1.IHistoryEvent[]): CampaignStall | undefined {
  if (attempt < STALLED_AFTER_FAILED_ATTEMPTS) return undefined;
  for (const event of newestFirst) {
    if (event.workflowTaskCompletedEventAttributes) return undefined;
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed && !ORDINARY_CAUSES.has(failed.cause ?? Cause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED)) {
      return { attempt, kind: 'failing', message: failed.failure?.message || causeName(failed.cause) };
    }
    if (failed || event.workflowTaskTimedOutEventAttributes) {
      if (attempt < STALLED_AFTER_TIMED_OUT_ATTEMPTS) return undefined;
      return {
        attempt,
        kind: 'not-completing',
        message:
          'its first attempt timed out (a worker stopped answering) and no attempt since has completed; ' +
          'Temporal records only the first attempt, so the workers that took the others died or failed them: their logs say which',
      };
    }
  }
  return undefined;
}

function causeName(cause: temporal.api.enums.v1.WorkflowTaskFailedCause | null | undefined): string {
  return `no failure message recorded; cause ${Cause[cause ?? Cause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED] ?? String(cause)}`;
}
