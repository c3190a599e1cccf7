import { ConnectError } from './errors';

export type Route = { operation: 'BatchPutContact'; instanceId: string } | { operation: 'StartOutboundChatContact' };

const BATCH = /^\/contact\/batch\/([^/]+)$/;

/** The two operations' HTTP bindings (rest-json); anything else is not an operation of this service. */
export function matchRoute(method: string, rawPath: string): Route {
  if (method === 'PUT') {
    if (rawPath === '/contact/outbound-chat') return { operation: 'StartOutboundChatContact' };
    const batch = BATCH.exec(rawPath);
    if (batch?.[1] !== undefined) {
      let instanceId: string;
      try {
        instanceId = decodeURIComponent(batch[1]);
      } catch {
        throw new ConnectError('SerializationException', 'InstanceId in the path is not valid percent-encoding.');
      }
      return { operation: 'BatchPutContact', instanceId };
    }
  }
  throw new ConnectError('UnknownOperationException', `No operation of Amazon Connect matches ${method} ${rawPath}.`);
}

export function resourceOf(route: Route): string {
  return route.operation === 'BatchPutContact' ? `instance/${route.instanceId}` : 'instance/*';
}

