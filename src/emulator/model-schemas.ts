import { z } from 'zod';
import type { SegmentAttributeValue } from '@aws-sdk/client-connect';
import { parseRequest } from './validation';

/**
 * The two operations' request shapes exactly as the Connect service model (2017-08-08)
 * states them: lengths, ranges, enums and required members, nothing more. What the
 * documentation adds lives apart (chat-rules.ts, entry-checks.ts) and is checked after.
 * test/emulator-model.test.ts walks botocore's copy of the model to hold these to it.
 *
 * Written from the model on purpose, apart from the client's schemas in src/domain: the
 * emulator stands in for AWS, and sharing the client's rules would hide the client's
 * mistakes instead of answering them the way Connect does.
 */

const ENDPOINT_TYPES = ['TELEPHONE_NUMBER', 'VOIP', 'CONTACT_FLOW', 'CONNECT_PHONENUMBER_ARN', 'EMAIL_ADDRESS'] as const;

const instanceId = z.string().min(1).max(100);
const clientToken = z.string().max(500);
const endpoint = z.object({ Type: z.enum(ENDPOINT_TYPES).optional(), Address: z.string().max(256).optional() });
const attributes = z.record(z.string().min(1).max(32767), z.string().max(32767));

const outboundStrategy = z.object({
  Type: z.enum(['AGENT_FIRST']),
  Config: z
    .object({
      AgentFirst: z
        .object({
          Preview: z
            .object({
              PostAcceptTimeoutConfig: z.object({ DurationInSeconds: z.number().int().min(0) }),
              AllowedUserActions: z.array(z.enum(['CALL', 'DISCARD'])),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export const contactDataRequestSchema = z.object({
  SystemEndpoint: endpoint.optional(),
  CustomerEndpoint: endpoint.optional(),
  RequestIdentifier: z.string().max(80).optional(),
  QueueId: z.string().optional(),
  Attributes: attributes.optional(),
  Campaign: z.object({ CampaignId: z.string().min(1).max(100).optional() }).optional(),
  OutboundStrategy: outboundStrategy.optional(),
});
export type ContactDataRequestInput = z.infer<typeof contactDataRequestSchema>;

export const batchPutContactSchema = z.object({
  ClientToken: clientToken.optional(),
  ContactDataRequestList: z.array(contactDataRequestSchema).min(1).max(25),
});
export type BatchPutContactInput = z.infer<typeof batchPutContactSchema>;

const segmentAttributeName = z.string().min(1).max(128);
/** ValueString and ValueArn share one shape in the model: SegmentAttributeValueString, 0..1024. */
const segmentAttributeValueString = z.string().max(1024);
const segmentAttributeValue: z.ZodType<SegmentAttributeValue> = z.lazy(() =>
  z.object({
    ValueString: segmentAttributeValueString.optional(),
    ValueMap: z.record(segmentAttributeName, segmentAttributeValue).optional(),
    ValueInteger: z.number().int().optional(),
    ValueList: z.array(segmentAttributeValue).optional(),
    ValueArn: segmentAttributeValueString.optional(),
  }),
);

/** TemplatedMessageConfig: a message template of a knowledge base, filled in with these attributes. */
const templatedMessageConfig = z.object({
  KnowledgeBaseId: z.string().min(1).max(500),
  MessageTemplateId: z.string().min(1).max(500),
  TemplateAttributes: z.object({
    CustomAttributes: attributes.optional(),
    CustomerProfileAttributes: z.string().optional(),
  }),
});

export const startOutboundChatContactSchema = z.object({
  SourceEndpoint: endpoint,
  DestinationEndpoint: endpoint,
  InstanceId: instanceId,
  SegmentAttributes: z.record(segmentAttributeName, segmentAttributeValue),
  Attributes: attributes.optional(),
  ContactFlowId: z.string().max(500),
  ChatDurationInMinutes: z.number().int().min(60).max(10080).optional(),
  ParticipantDetails: z.object({ DisplayName: z.string().min(1).max(256) }).optional(),
  InitialSystemMessage: z.object({ ContentType: z.string().min(1).max(100), Content: z.string().min(1).max(16384) }).optional(),
  InitialTemplatedSystemMessage: templatedMessageConfig.optional(),
  RelatedContactId: z.string().min(1).max(256).optional(),
  SupportedMessagingContentTypes: z.array(z.string().min(1).max(100)).optional(),
  ClientToken: clientToken.optional(),
});
export type StartOutboundChatContactInput = z.infer<typeof startOutboundChatContactSchema>;

/** BatchPutContact's InstanceId is a URI label: checked apart from the body, with the same wording. */
export function checkInstanceId(id: string): void {
  parseRequest(z.object({ InstanceId: instanceId }), { InstanceId: id });
}
