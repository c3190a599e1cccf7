import { ApplicationFailure } from '@temporalio/common';
import { connectFailureTypes } from '../domain/failure-types';

const credentialErrors = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

function target(operation: string, id: string): string {
  return operation === 'PutOutboundRequestBatch' ? `Outbound Campaigns v2 campaign ${id}` : `instance ${id}`;
}

/**
 * Turns an AWS SDK error into what the workflow's policy acts on. 429s and 5xx are
 * rethrown as they are so the activity retry policy resends them with the same token.
 */
export function toConnectFailure(err: unknown, operation: string, instanceId: string): unknown {
  const name = (err as { name?: string }).name ?? '';
  const message = (err as { message?: string }).message ?? String(err);
  if (name === 'AccessDeniedException' || credentialErrors.has(name)) {
    const hint =
      operation === 'BatchPutContact'
        ? ' In AWS, only the Amazon Connect Outbound Campaigns service principal may call BatchPutContact: submit through Outbound Campaigns v2 instead (--api outbound-campaigns-v2 --v2-campaign-id <id>; README, "Which Connect API?").'
        : " Check the worker's IAM role and credentials.";
    return ApplicationFailure.nonRetryable(`Amazon Connect denied ${operation} on ${target(operation, instanceId)}: ${message}.${hint}`, connectFailureTypes.accessDenied);
  }
  if (name === 'ResourceNotFoundException') {
    return ApplicationFailure.nonRetryable(
      operation === 'PutOutboundRequestBatch'
        ? `Amazon Connect has no Outbound Campaigns v2 campaign ${instanceId}: ${message}. Check the v2 campaign id and the region (AWS_REGION).`
        : `Amazon Connect has no instance, queue or flow matching ${operation} on instance ${instanceId}: ${message}. Check the instance id and the region (AWS_REGION).`,
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
