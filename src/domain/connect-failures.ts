/** Failure types the activities raise and the campaign workflow acts on (DESIGN.md, "Whole-call errors"). */
export const connectFailureTypes = {
  accessDenied: 'ConnectAccessDenied',
  notFound: 'ConnectResourceNotFound',
  invalidRequest: 'ConnectInvalidRequest',
  idempotencyDefect: 'ConnectIdempotencyDefect',
  chatThrottled: 'ConnectChatThrottled',
  chatConcurrency: 'ConnectChatConcurrencyLimit',
  chatConflict: 'ConnectChatConflict',
} as const;

/** Errors that stop a campaign at once: retrying cannot help and every other call would fail the same way. */
export const campaignStoppingTypes: readonly string[] = [connectFailureTypes.accessDenied, connectFailureTypes.notFound];

/** Types retried by the activity retry policy (with the server-suggested delay); the rest are for the workflow. */
export const retryableConnectFailureTypes: readonly string[] = [connectFailureTypes.chatThrottled, connectFailureTypes.chatConcurrency];

/** The dial list cannot be read (missing file, unknown format, no phone column): the campaign fails with the reason. */
export const dialListInvalidType = 'DialListInvalid';
