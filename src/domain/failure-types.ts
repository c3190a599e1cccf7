/** Failure types the activities raise and the campaign workflow acts on (docs/architecture.md, "Whole-call errors"). */
export const connectFailureTypes = {
  accessDenied: 'ConnectAccessDenied',
  notFound: 'ConnectResourceNotFound',
  invalidRequest: 'ConnectInvalidRequest',
  idempotencyDefect: 'ConnectIdempotencyDefect',
  chatThrottled: 'ConnectChatThrottled',
  chatConcurrency: 'ConnectChatConcurrencyLimit',
  chatConflict: 'ConnectChatConflict',
  /**
   * The worker's credentials expired or could not be loaded (ExpiredTokenException, an STS or
   * IMDS hiccup): retried by the activity with backoff and the same token, never fatal.
   */
  credentials: 'ConnectCredentials',
  /** Outbound Campaigns v2: the v2 campaign is not running (paused, stopped, …); the campaign waits for it. */
  v2CampaignNotRunning: 'ConnectV2CampaignNotRunning',
} as const;

/**
 * Errors after which every other call would fail the same way until someone fixes something
 * (IAM permissions, an id, the worker's credentials): the campaign pauses with the reason and
 * holds the batch for its resume. Campaigns from before patch 'pause-on-connect-refusal'
 * stopped (FAILED) on access denied and not found instead.
 */
export const campaignPausingTypes: readonly string[] = [connectFailureTypes.accessDenied, connectFailureTypes.notFound, connectFailureTypes.credentials];

/** What stopped a campaign before patch 'pause-on-connect-refusal' (the old branch of src/workflows/batches.ts). */
export const campaignStoppingTypes: readonly string[] = [connectFailureTypes.accessDenied, connectFailureTypes.notFound];

/** The `cause` label of a pause for a refusal (connect_dialer_campaign_pauses_total). */
export function pauseCauseOf(type: string): string {
  if (type === connectFailureTypes.accessDenied) return 'access_denied';
  if (type === connectFailureTypes.notFound) return 'resource_not_found';
  if (type === connectFailureTypes.credentials) return 'credentials';
  return 'other';
}

/** Types retried by the activity retry policy (with the server-suggested delay); the rest are for the workflow. */
export const retryableConnectFailureTypes: readonly string[] = [connectFailureTypes.chatThrottled, connectFailureTypes.chatConcurrency];

/**
 * The failure code an entry's FAILED outcome carries when its whole call failed with a
 * failure type (docs/architecture.md, "Whole-call errors"); any other type is CALL_FAILED.
 */
export const callFailureOutcomeCodes: Readonly<Record<string, string>> = {
  [connectFailureTypes.invalidRequest]: 'INVALID_REQUEST',
  [connectFailureTypes.idempotencyDefect]: 'IDEMPOTENCY_EXCEPTION',
  [connectFailureTypes.accessDenied]: 'ACCESS_DENIED',
  [connectFailureTypes.notFound]: 'RESOURCE_NOT_FOUND',
};

export function outcomeCodeForCallFailure(type: string): string {
  return callFailureOutcomeCodes[type] ?? 'CALL_FAILED';
}

/** The dial list cannot be read (missing file, unknown format, no phone column): the campaign fails with the reason. */
export const dialListInvalidType = 'DialListInvalid';

/**
 * The reason a campaign fails with when its dial list cannot be read: `dial list <field>:
 * <message>`, the field being the member of the dial-list source at fault (`path`, `format`,
 * `encoding`, `columns`, `columns.phoneNumber`). Callers read it back with parseDialListInvalidReason.
 */
export function dialListInvalidReason(field: string, message: string): string {
  return `dial list ${field}: ${message}`;
}

/** The field and message of a dialListInvalidReason; undefined for any other reason. */
export function parseDialListInvalidReason(reason: string): { field: string; message: string } | undefined {
  const match = /^dial list ([A-Za-z]+(?:\.[A-Za-z]+)*): ([\s\S]+)$/.exec(reason);
  return match?.[1] && match[2] ? { field: match[1], message: match[2] } : undefined;
}
