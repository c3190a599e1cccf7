import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleAdmin } from './admin';
import { batchPutContact } from './batch-put-contact';
import { getContactAttributes } from './contact-attributes';
import { describeContact } from './describe-contact';
import { handleSqs, SQS_TARGET_PREFIX } from './sqs';
import { ConnectError } from './errors';
import { startOutboundChatContact } from './outbound-chat';
import { getCampaignState, putOutboundRequestBatch } from './outbound-requests';
import { isCampaignsPath, matchRoute, resourceOf, signingServiceOf, type Route } from './routes';
import { verifySigV4 } from './sigv4';
import type { EmulatorState } from './emulator-state';
import { parseJsonObject, readBody, sendError, sendJson, stampRequestId } from './wire';

const ADMIN_PREFIX = '/_emulator/';

function rateLimited(route: Route): ConnectError {
  return route.operation === 'BatchPutContact'
    ? new ConnectError('LimitExceededException', 'The request rate for BatchPutContact exceeds the allowed limit.')
    : new ConnectError('ThrottlingException', `Rate exceeded for ${route.operation}.`);
}

function answerOperation(state: EmulatorState, route: Route, body: Buffer): unknown {
  switch (route.operation) {
    case 'BatchPutContact':
      return batchPutContact(state, route.instanceId, parseJsonObject(body));
    case 'StartOutboundChatContact':
      return startOutboundChatContact(state, parseJsonObject(body));
    case 'PutOutboundRequestBatch':
      return putOutboundRequestBatch(state, route.campaignId, parseJsonObject(body));
    case 'GetCampaignState':
      return getCampaignState(state, route.campaignId);
    case 'DescribeContact':
      return describeContact(state, route.instanceId, route.contactId);
    case 'GetContactAttributes':
      return getContactAttributes(state, route.instanceId, route.initialContactId);
  }
}

/** Signature, access, latency, rate, injected faults, then the operation itself: in that order. */
async function answerConnectCall(state: EmulatorState, req: IncomingMessage, rawPath: string, rawQuery: string): Promise<unknown> {
  const body = await readBody(req);
  if (state.latencyMs > 0) await sleep(state.latencyMs);
  const caller = await verifySigV4(
    { method: req.method ?? 'GET', rawPath, rawQuery, headers: req.headers, body },
    { region: state.region, service: signingServiceOf(rawPath), secretFor: (key) => state.secretFor(key) },
  );
  const route = matchRoute(req.method ?? 'GET', rawPath);
  state.stats.current.calls[route.operation]++;
  if (state.deniedAccessKeyIds.has(caller)) {
    throw new ConnectError(
      'AccessDeniedException',
      `User: ${caller} is not authorized to perform: ${signingServiceOf(rawPath)}:${route.operation} on resource: ${resourceOf(route)}`,
    );
  }
  if (!state.takeRateToken(route.operation)) {
    state.stats.current.throttled++;
    throw rateLimited(route);
  }
  const fault = state.faults.callFault(route.operation);
  if (fault !== undefined) throw fault;
  return answerOperation(state, route, body);
}

function answerError(state: EmulatorState, res: ServerResponse, err: unknown, what: string, campaignsV2: boolean): void {
  let error: ConnectError;
  if (err instanceof ConnectError) {
    error = err;
  } else {
    state.log(`unexpected error in ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    error = new ConnectError(campaignsV2 ? 'InternalServerException' : 'InternalServiceException', 'Request processing failed because of an error or failure with the service.');
  }
  const { stats } = state;
  if (error.injected) stats.current.faultsInjected++;
  else if (error.status >= 400 && error.status < 500 && error.status !== 429) stats.current.rejected++;
  stats.status(error.status);
  if (!error.injected && error.status !== 429) state.log(`${what} -> ${error.status} ${error.errorType}: ${error.message}`);
  if (!res.headersSent) sendError(res, error, campaignsV2);
}

/** The HTTP handler: /_emulator/* is the unsigned admin API, everything else is Amazon Connect. */
export function createRequestHandler(state: EmulatorState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    stampRequestId(res);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    if (rawPath.startsWith(ADMIN_PREFIX)) {
      void handleAdmin(state, req, res, rawPath.slice(ADMIN_PREFIX.length), rawQuery);
      return;
    }
    if (String(req.headers['x-amz-target'] ?? '').startsWith(SQS_TARGET_PREFIX)) {
      void handleSqs(state, req, res, rawPath, rawQuery);
      return;
    }
    const what = `${req.method ?? '?'} ${rawPath}`;
    answerConnectCall(state, req, rawPath, rawQuery).then(
      (result) => {
        state.stats.status(200);
        sendJson(res, 200, result);
      },
      (err: unknown) => answerError(state, res, err, what, isCampaignsPath(rawPath)),
    );
  };
}
