import { StartOutboundChatContactCommand, type ConnectClient } from '@aws-sdk/client-connect';
import type { ChatSettings } from '../domain/campaign';
import { toConnectFailure } from './connect-errors';
import type { OutcomeStore } from './outcome-store';

export interface ChatInput {
  campaignKey: string;
  instanceId: string;
  chat: ChatSettings;
  clientToken: string;
  requestIdentifier: string;
  index: number;
  phoneNumber: string;
  attributes?: Record<string, string>;
  message?: string;
  /** The voice contact this SMS follows up, when the entry was already dialled. */
  relatedContactId?: string;
}

export interface ChatResult {
  requestIdentifier: string;
  contactId: string;
}

/** SMS is a chat subtype: the segment attribute tells Connect to deliver the chat as SMS. */
const smsSegment = { 'connect:Subtype': { ValueString: 'connect:SMS' } };

/** Deflects one contact to SMS; the DEFLECTED outcome is written before returning. */
export async function startOutboundChat(connect: ConnectClient, outcomes: OutcomeStore, input: ChatInput): Promise<ChatResult> {
  const message = input.message ?? input.chat.initialMessage;
  let contactId: string | undefined;
  try {
    const response = await connect.send(
      new StartOutboundChatContactCommand({
        InstanceId: input.instanceId,
        ClientToken: input.clientToken,
        SourceEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN', Address: input.chat.sourcePhoneNumberArn },
        DestinationEndpoint: { Type: 'TELEPHONE_NUMBER', Address: input.phoneNumber },
        SegmentAttributes: smsSegment,
        ContactFlowId: input.chat.contactFlowId,
        Attributes: input.attributes && Object.keys(input.attributes).length > 0 ? input.attributes : undefined,
        ChatDurationInMinutes: input.chat.chatDurationInMinutes,
        ParticipantDetails: input.chat.displayName ? { DisplayName: input.chat.displayName } : undefined,
        InitialSystemMessage: message ? { ContentType: 'text/plain', Content: message } : undefined,
        RelatedContactId: input.relatedContactId,
        SupportedMessagingContentTypes: ['text/plain'],
      }),
    );
    contactId = response.ContactId;
  } catch (err) {
    throw toConnectFailure(err, 'StartOutboundChatContact', input.instanceId);
  }
  if (!contactId) throw new Error('StartOutboundChatContact returned no ContactId');
  await outcomes.write(input.campaignKey, `chat-${input.index}`, [
    {
      requestIdentifier: input.requestIdentifier,
      index: input.index,
      outcome: 'DEFLECTED',
      contactId,
      relatedContactId: input.relatedContactId,
    },
  ]);
  return { requestIdentifier: input.requestIdentifier, contactId };
}
