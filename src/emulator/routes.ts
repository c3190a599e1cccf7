import { ConnectError } from './errors';

export type Route =
  | { operation: 'BatchPutContact'; instanceId: string }
  | { operation: 'StartOutboundChatContact' }
  | { operation: 'PutOutboundRequestBatch'; campaignId: string }
  | { operation: 'GetCampaignState'; campaignId: string }
  | { operation: 'DescribeContact'; instanceId: string; contactId: string }
  | { operation: 'GetContactAttributes'; instanceId: string; initialContactId: string };

const BATCH = /^\/contact\/batch\/([^/]+)$/;
/** The v2 campaign id may itself hold `/` (its pattern is `[-:/a-zA-Z0-9]+`), so the label is greedy. */
const OUTBOUND_REQUESTS = /^\/v2\/campaigns\/(.+)\/outbound-requests$/;
const CAMPAIGN_STATE = /^\/v2\/campaigns\/(.+)\/state$/;
const CAMPAIGNS_PREFIX = '/v2/campaigns/';
const DESCRIBE_CONTACT = /^\/contacts\/([^/]+)\/([^/]+)$/;
const CONTACT_ATTRIBUTES = /^\/contact\/attributes\/([^/]+)\/([^/]+)$/;

/** Outbound Campaigns v2 shares the emulator's port: its paths are under /v2/campaigns/. */
export function isCampaignsPath(rawPath: string): boolean {
  return rawPath.startsWith(CAMPAIGNS_PREFIX);
}

/** The signing name a request to this path must be signed for. */
export function signingServiceOf(rawPath: string): 'connect' | 'connect-campaigns' {
  return isCampaignsPath(rawPath) ? 'connect-campaigns' : 'connect';
}

function label(encoded: string, name: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new ConnectError('SerializationException', `${name} in the path is not valid percent-encoding.`);
  }
}

/** The operations' HTTP bindings (rest-json); anything else is not an operation of this service. */
export function matchRoute(method: string, rawPath: string): Route {
  if (method === 'PUT') {
    if (rawPath === '/contact/outbound-chat') return { operation: 'StartOutboundChatContact' };
    const batch = BATCH.exec(rawPath);
    if (batch?.[1] !== undefined) return { operation: 'BatchPutContact', instanceId: label(batch[1], 'InstanceId') };
    const outbound = OUTBOUND_REQUESTS.exec(rawPath);
    if (outbound?.[1] !== undefined) return { operation: 'PutOutboundRequestBatch', campaignId: label(outbound[1], 'id') };
  }
  if (method === 'GET') {
    const state = CAMPAIGN_STATE.exec(rawPath);
    if (state?.[1] !== undefined) return { operation: 'GetCampaignState', campaignId: label(state[1], 'id') };
    const contact = DESCRIBE_CONTACT.exec(rawPath);
    if (contact?.[1] !== undefined && contact[2] !== undefined) {
      return { operation: 'DescribeContact', instanceId: label(contact[1], 'InstanceId'), contactId: label(contact[2], 'ContactId') };
    }
    const attributes = CONTACT_ATTRIBUTES.exec(rawPath);
    if (attributes?.[1] !== undefined && attributes[2] !== undefined) {
      return { operation: 'GetContactAttributes', instanceId: label(attributes[1], 'InstanceId'), initialContactId: label(attributes[2], 'InitialContactId') };
    }
  }
  const service = isCampaignsPath(rawPath) ? 'Amazon Connect Outbound Campaigns v2' : 'Amazon Connect';
  throw new ConnectError('UnknownOperationException', `No operation of ${service} matches ${method} ${rawPath}.`);
}

export function resourceOf(route: Route): string {
  switch (route.operation) {
    case 'BatchPutContact':
      return `instance/${route.instanceId}`;
    case 'StartOutboundChatContact':
      return 'instance/*';
    case 'DescribeContact':
      return `instance/${route.instanceId}/contact/${route.contactId}`;
    case 'GetContactAttributes':
      return `instance/${route.instanceId}/contact/${route.initialContactId}`;
    default:
      return `campaign/${route.campaignId}`;
  }
}
