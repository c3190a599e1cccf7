import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, MiddlewareStack } from '@smithy/types';
import { metricNames } from './metric-names';
import { activityTags, counter, histogram } from './instruments';

/** How a try of a Connect call ended, as the `result` label. */
export type ConnectCallResult = 'ok' | '429' | '4xx' | '5xx' | 'network';

function callResult(err: unknown): ConnectCallResult {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (status === undefined) return 'network';
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return 'ok';
}

const MIDDLEWARE_NAME = 'connectDialerCallMetrics';

/**
 * Counts and times every try of every call the client makes (`api` = the operation, e.g.
 * BatchPutContact; `result` = ok, 429, 4xx, 5xx or network). It sits inside the SDK's retry
 * middleware, so a call the SDK retries after a 429 counts each try, as Connect saw them.
 * On the client rather than in the activities, so any code that calls Connect is measured.
 */
// The stack's input and output types differ per client; the middleware reads neither.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function instrumentConnectCalls(client: { middlewareStack: MiddlewareStack<any, any> }): void {
  client.middlewareStack.addRelativeTo(
    <Output extends object>(next: FinalizeHandler<object, Output>, context: HandlerExecutionContext) =>
      async (args: FinalizeHandlerArguments<object>) => {
        const api = (context.commandName ?? 'unknown').replace(/Command$/, '');
        const started = performance.now();
        let result: ConnectCallResult = 'ok';
        try {
          return await next(args);
        } catch (err) {
          result = callResult(err);
          throw err;
        } finally {
          const tags = { ...activityTags(), api, result };
          counter(metricNames.connectCalls, 'Tries of Amazon Connect calls by API and result').add(1, tags);
          histogram(metricNames.connectCallDuration, 's', 'Seconds per try of an Amazon Connect call').record((performance.now() - started) / 1000, tags);
        }
      },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: MIDDLEWARE_NAME, override: true },
  );
}

/** Error names that mean the worker's own credentials failed, not Connect. */
const credentialErrorNames = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
]);

const CREDENTIALS_MIDDLEWARE_NAME = 'connectDialerCredentialErrors';

/**
 * Counts (`connect_dialer_credential_errors_total{api,error}`) every call that failed on the
 * worker's credentials. Outermost in the stack, so credentials the SDK could not even load
 * (CredentialsProviderError, thrown before any request) count as well as those Connect
 * refused. The line that says what to fix is the activity's failure (src/activities/aws-error-mapping.ts),
 * which the worker logs at each failed attempt.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reportCredentialErrors(client: { middlewareStack: MiddlewareStack<any, any> }): void {
  client.middlewareStack.add(
    <Output extends object>(next: InitializeHandler<object, Output>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<object>) => {
        try {
          return await next(args);
        } catch (err) {
          const error = (err as { name?: string } | undefined)?.name ?? '';
          if (credentialErrorNames.has(error)) {
            const api = (context.commandName ?? 'unknown').replace(/Command$/, '');
            counter(metricNames.credentialErrors, "Connect calls that failed on the worker's credentials").add(1, { ...activityTags(), api, error });
          }
          throw err;
        }
      },
    { step: 'initialize', name: CREDENTIALS_MIDDLEWARE_NAME, override: true },
  );
}
