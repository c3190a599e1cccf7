import { ApplicationFailure } from '@temporalio/common';
import { connectFailureTypes } from '../domain/failure-types';

/** Credentials Connect does not accept: wrong keys or signing, which waiting does not fix. */
const rejectedCredentials = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'MissingAuthenticationTokenException']);

/**
 * Credentials that expired or could not be loaded (the SDK's provider chain, STS, IMDS): a
 * refresh on the worker's host usually fixes them in seconds, so these are retried.
 */
export const transientCredentialErrors: ReadonlySet<string> = new Set(['ExpiredTokenException', 'ExpiredToken', 'CredentialsProviderError']);

function target(operation: string, id: string): string {
  return operation === 'PutOutboundRequestBatch' ? `Outbound Campaigns v2 campaign ${id}` : `instance ${id}`;
}

/** The IAM action an operation needs. */
function iamAction(operation: string): string {
  return operation === 'PutOutboundRequestBatch' || operation === 'GetCampaignState' ? `connect-campaigns:${operation}` : `connect:${operation}`;
}

/**
 * Turns an AWS SDK error into what the workflow's policy acts on. 429s, 5xx and network
 * errors are rethrown as they are so the activity retry policy resends them with the same
 * token; so are expired or unloadable credentials (typed, so the workflow can tell if the
 * retries run out). Access refused and missing resources are for the workflow: it pauses the
 * campaign with the reason, which says what to fix.
 */
export function toConnectFailure(err: unknown, operation: string, instanceId: string): unknown {
  const name = (err as { name?: string }).name ?? '';
  const message = (err as { message?: string }).message ?? String(err);
  if (transientCredentialErrors.has(name)) {
    return ApplicationFailure.create({
      message: `the worker's AWS credentials for ${operation} expired or could not be loaded (${name}: ${message}): retried with backoff; if it lasts, check the credential source on the worker's host (AWS_PROFILE, the instance or task role, IMDS/STS reachability)`,
      type: connectFailureTypes.credentials,
    });
  }
  if (rejectedCredentials.has(name)) {
    return ApplicationFailure.nonRetryable(
      `Amazon Connect did not accept the worker's credentials for ${operation} on ${target(operation, instanceId)} (${name}: ${message}): fix the worker's AWS credentials (AWS_ACCESS_KEY_ID and secret, AWS_PROFILE, or its IAM role) and the region (AWS_REGION)`,
      connectFailureTypes.accessDenied,
    );
  }
  if (name === 'AccessDeniedException') {
    const hint =
      operation === 'BatchPutContact'
        ? ' (in AWS, only the Amazon Connect Outbound Campaigns service principal may call BatchPutContact: submit through Outbound Campaigns v2 instead, --api outbound-campaigns-v2 --v2-campaign-id <id>; docs/operations.md, "Which Connect API?")'
        : '';
    return ApplicationFailure.nonRetryable(
      `Amazon Connect denied ${operation} on ${target(operation, instanceId)} (AccessDeniedException: ${message}): fix the worker's IAM permissions for ${iamAction(operation)}${hint}`,
      connectFailureTypes.accessDenied,
    );
  }
  if (name === 'ResourceNotFoundException') {
    return ApplicationFailure.nonRetryable(
      operation === 'PutOutboundRequestBatch'
        ? `Amazon Connect has no Outbound Campaigns v2 campaign ${instanceId} (ResourceNotFoundException: ${message}): check the v2 campaign id and the region (AWS_REGION), or create the campaign`
        : `Amazon Connect has no instance, queue or flow matching ${operation} on instance ${instanceId} (ResourceNotFoundException: ${message}): check the instance id, the queue and flow ids and the region (AWS_REGION)`,
      connectFailureTypes.notFound,
    );
  }
  if (name === 'InvalidCampaignStateException') {
    const state = (err as { state?: string }).state ?? 'not running';
    return ApplicationFailure.create({
      message: `the Outbound Campaigns v2 campaign is ${state}: ${message}`,
      type: connectFailureTypes.v2CampaignNotRunning,
      nonRetryable: true,
      details: [state],
    });
  }
  if (name === 'InvalidRequestException' || name === 'ValidationException') {
    return ApplicationFailure.nonRetryable(`${operation} was rejected as invalid: ${message}`, connectFailureTypes.invalidRequest);
  }
  if (name === 'IdempotencyException' || (name === 'ConflictException' && operation === 'PutOutboundRequestBatch')) {
    return ApplicationFailure.nonRetryable(
      `Defect: ${operation}'s client token was reused with different contents (${message}). connect-dialer derives tokens from the workflow id and batch number; please report this.`,
      connectFailureTypes.idempotencyDefect,
    );
  }
  if (name === 'ThrottlingException' && operation === 'PutOutboundRequestBatch') return err; // retried as it is, same tokens
  if (name === 'ThrottlingException') {
    return ApplicationFailure.create({ message: `${operation} throttled: ${message}`, type: connectFailureTypes.chatThrottled, nextRetryDelay: '2s' });
  }
  if (name === 'LimitExceededException' && operation === 'StartOutboundChatContact') {
    // The instance's concurrent active chats are used up: wait for chats to end, not for a rate window.
    return ApplicationFailure.create({ message: `${operation}: ${message}`, type: connectFailureTypes.chatConcurrency, nextRetryDelay: '15s' });
  }
  if (name === 'ConflictException') {
    return ApplicationFailure.nonRetryable(`${operation} conflict: ${message}`, connectFailureTypes.chatConflict);
  }
  return err;
}
