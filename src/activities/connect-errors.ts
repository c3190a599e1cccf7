import { ApplicationFailure } from '@temporalio/common';
import { connectFailureTypes } from '../domain/connect-failures';

const credentialErrors = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

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
        ? ' In AWS, only the Amazon Connect Outbound Campaigns service principal may call BatchPutContact; check the worker\'s IAM role and credentials.'
        : ' Check the worker\'s IAM role and credentials.';
    return ApplicationFailure.nonRetryable(`Amazon Connect denied ${operation} on instance ${instanceId}: ${message}.${hint}`, connectFailureTypes.accessDenied);
  }
  if (name === 'ResourceNotFoundException') {
    return ApplicationFailure.nonRetryable(
      `Amazon Connect has no instance, queue or flow matching ${operation} on instance ${instanceId}: ${message}. Check the instance id and the region (AWS_REGION).`,
      connectFailureTypes.notFound,
    );
  }
  if (name === 'InvalidRequestException') {
    return ApplicationFailure.nonRetryable(`${operation} was rejected as invalid: ${message}`, connectFailureTypes.invalidRequest);
  }
  if (name === 'IdempotencyException') {
    return ApplicationFailure.nonRetryable(
      `Defect: ${operation}'s client token was reused with different contents (${message}). connect-dialer derives tokens from the workflow id and batch number; please report this.`,
      connectFailureTypes.idempotencyDefect,
    );
  }
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
