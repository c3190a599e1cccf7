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

/** Errors that stop a campaign at once: retrying cannot help and every other call would fail the same way. */
export const campaignStoppingTypes: readonly string[] = [connectFailureTypes.accessDenied, connectFailureTypes.notFound];

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
