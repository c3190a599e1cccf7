import { StartOutboundChatContactCommand, type ConnectClient } from '@aws-sdk/client-connect';
import type { ChatSettings } from '../domain/campaign';
import type { ContactDefaults } from '../domain/contact-entry';
import type { CampaignStore } from '../storage/campaign-store';
import { toConnectFailure } from './aws-error-mapping';
import type { ConnectCallOptions } from './connect-call';

export interface ChatInput {
  campaignKey: string;
  instanceId: string;
  chat: ChatSettings;
  clientToken: string;
  index: number;
  defaults: ContactDefaults;
  /** The deflection's own attributes, over the entry's and the campaign's. */
  attributes?: Record<string, string>;
  message?: string;
  /** The deflection's message and attributes are in the campaign store (campaigns of carried-state version 3), not in this input. */
  textInStore?: boolean;
  /**
   * The entry was dialled first: the SMS names the voice contact (read from the store) as its
   * RelatedContactId. On the Outbound Campaigns v2 path (`dial-request`), whose dial request id is
   * no contact id, the contact linked to the request by its events, if any.
   */
  afterCall?: 'voice-contact' | 'dial-request';
}

export interface ChatResult {
  requestIdentifier: string;
  contactId: string;
}

/** SMS is a chat subtype: the segment attribute tells Connect to deliver the chat as SMS. */
const smsSegment = { 'connect:Subtype': { ValueString: 'connect:SMS' } };

/** Deflects one contact to SMS; the DEFLECTED outcome is written before returning. */
export async function startOutboundChat(connect: ConnectClient, store: CampaignStore, input: ChatInput, call: ConnectCallOptions = {}): Promise<ChatResult> {
  const text = input.textInStore ? await store.deflectionText(input.campaignKey, input.index) : { message: input.message, attributes: input.attributes };
  if (!text) throw new Error(`no deflection of entry ${input.index} is recorded`);
  const message = text.message ?? input.chat.initialMessage;
  const [staged] = await store.stagedEntries(input.campaignKey, [input.index]);
  if (!staged) throw new Error(`entry ${input.index} is not staged`);
  const relatedContactId = input.afterCall === undefined ? undefined : await voiceContactId(store, input.campaignKey, input.index, input.afterCall);
  const attributes = { ...input.defaults.Attributes, ...staged.entry.Attributes, ...text.attributes };
  let contactId: string | undefined;
  try {
    const response = await connect.send(
      new StartOutboundChatContactCommand({
        InstanceId: input.instanceId,
        ClientToken: input.clientToken,
        SourceEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN', Address: input.chat.sourcePhoneNumberArn },
        DestinationEndpoint: { Type: 'TELEPHONE_NUMBER', Address: staged.entry.CustomerEndpoint?.Address ?? '' },
        SegmentAttributes: smsSegment,
        ContactFlowId: input.chat.contactFlowId,
        Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
        ChatDurationInMinutes: input.chat.chatDurationInMinutes,
        ParticipantDetails: input.chat.displayName ? { DisplayName: input.chat.displayName } : undefined,
        InitialSystemMessage: message ? { ContentType: 'text/plain', Content: message } : undefined,
        RelatedContactId: relatedContactId,
        SupportedMessagingContentTypes: ['text/plain'],
      }),
      call,
    );
    contactId = response.ContactId;
  } catch (err) {
    throw toConnectFailure(err, 'StartOutboundChatContact', input.instanceId);
  }
  if (!contactId) throw new Error('StartOutboundChatContact returned no ContactId');
  await store.recordOutcomes(input.campaignKey, [{ requestIdentifier: staged.entry.RequestIdentifier, index: input.index, outcome: 'DEFLECTED', contactId, relatedContactId }]);
  return { requestIdentifier: staged.entry.RequestIdentifier, contactId };
}

/**
 * The ContactId of the entry's call: its CREATED outcome's, or the DEFLECTED one a retry of this
 * activity wrote. On the v2 path the outcome holds the dial request's id, which is no contact:
 * the call is the contact linked to that request once its events named it (docs/call-outcomes.md),
 * and none before.
 */
async function voiceContactId(store: CampaignStore, campaignKey: string, index: number, afterCall: 'voice-contact' | 'dial-request'): Promise<string | undefined> {
  const outcome = await store.outcomeOf(campaignKey, index);
  if (outcome?.outcome === 'DEFLECTED') return outcome.relatedContactId;
  if (outcome?.outcome !== 'CREATED' || outcome.contactId === undefined) return undefined;
  return afterCall === 'voice-contact' ? outcome.contactId : store.linkedContactOf(campaignKey, outcome.contactId);
}
