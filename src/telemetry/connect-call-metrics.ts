import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext, MiddlewareStack } from '@smithy/types';
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
