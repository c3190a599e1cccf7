import { ATTRIBUTE_KEY, E164, PHONE_NUMBER_ARN } from './formats';
import type { ContactDataRequestInput } from './model-schemas';

export interface EntryFailure {
  code: string;
  message: string;
}

function attributeFailure(entry: ContactDataRequestInput): EntryFailure | undefined {
  const bad = Object.keys(entry.Attributes ?? {}).find((k) => !ATTRIBUTE_KEY.test(k));
  return bad === undefined ? undefined : { code: 'INVALID_ATTRIBUTE_KEY', message: `Attribute key '${bad}' is invalid: keys may contain only letters, digits, '-' and '_'.` };
}

function customerEndpointFailure(entry: ContactDataRequestInput): EntryFailure | undefined {
  const ep = entry.CustomerEndpoint;
  if (!ep?.Address) return { code: 'MISSING_CUSTOMER_ENDPOINT', message: 'CustomerEndpoint with an Address is required.' };
  if (ep.Type !== 'TELEPHONE_NUMBER') {
    return { code: 'INVALID_CUSTOMER_ENDPOINT', message: `CustomerEndpoint.Type must be TELEPHONE_NUMBER, got ${ep.Type ?? 'none'}.` };
  }
  if (!E164.test(ep.Address)) {
    return { code: 'INVALID_CUSTOMER_ENDPOINT', message: 'CustomerEndpoint.Address must be a phone number in E.164 format.' };
  }
  return undefined;
}

function systemEndpointFailure(entry: ContactDataRequestInput): EntryFailure | undefined {
  const ep = entry.SystemEndpoint;
  if (ep === undefined) return undefined;
  const valid = (ep.Type === 'TELEPHONE_NUMBER' && E164.test(ep.Address ?? '')) || (ep.Type === 'CONNECT_PHONENUMBER_ARN' && PHONE_NUMBER_ARN.test(ep.Address ?? ''));
  return valid ? undefined : { code: 'INVALID_SYSTEM_ENDPOINT', message: 'SystemEndpoint must be an E.164 TELEPHONE_NUMBER or a CONNECT_PHONENUMBER_ARN of a claimed number.' };
}

function queueFailure(entry: ContactDataRequestInput, invalidQueueIds: ReadonlySet<string>): EntryFailure | undefined {
  if (entry.QueueId === undefined && entry.SystemEndpoint === undefined) {
    return { code: 'MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT', message: 'Either QueueId or SystemEndpoint is required.' };
  }
  if (entry.QueueId !== undefined && (entry.QueueId === '' || invalidQueueIds.has(entry.QueueId))) {
    return { code: 'INVALID_QUEUE', message: `Queue '${entry.QueueId}' does not exist in this instance.` };
  }
  return undefined;
}

/**
 * MISSING_CAMPAIGN: the emulator's choice, since the model leaves it open — a Campaign given
 * without a CampaignId, or an OutboundStrategy (a campaigns feature) without any Campaign.
 * INVALID_OUTBOUND_STRATEGY: a Preview that allows no action, or the same action twice.
 */
function campaignFailure(entry: ContactDataRequestInput): EntryFailure | undefined {
  if ((entry.Campaign !== undefined && entry.Campaign.CampaignId === undefined) || (entry.OutboundStrategy !== undefined && entry.Campaign === undefined)) {
    return { code: 'MISSING_CAMPAIGN', message: 'Campaign.CampaignId is required with an OutboundStrategy or a Campaign.' };
  }
  const actions = entry.OutboundStrategy?.Config?.AgentFirst?.Preview?.AllowedUserActions;
  if (actions !== undefined && (actions.length === 0 || new Set(actions).size !== actions.length)) {
    return { code: 'INVALID_OUTBOUND_STRATEGY', message: 'Preview.AllowedUserActions must list CALL and/or DISCARD, each at most once.' };
  }
  return undefined;
}

/** The first reason Connect would refuse this entry, or undefined if it would dial it. */
export function entryFailure(entry: ContactDataRequestInput, invalidQueueIds: ReadonlySet<string>): EntryFailure | undefined {
  return attributeFailure(entry) ?? customerEndpointFailure(entry) ?? systemEndpointFailure(entry) ?? queueFailure(entry, invalidQueueIds) ?? campaignFailure(entry);
}
