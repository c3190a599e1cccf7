import { z } from 'zod';
import type { SegmentAttributeValue } from '@aws-sdk/client-connect';
import { ConnectError } from './errors';

/**
 * The two operations' request shapes with the Connect model's constraints. A violation is
 * a whole-request 400 InvalidRequestException; BatchPutContact's per-entry semantics
 * (endpoints, queue, attribute keys…) are checked apart, in entry-checks.ts.
 *
 * Written from connect-api.md on purpose, apart from the client's schemas in src/domain:
 * the emulator stands in for AWS, and sharing the client's rules would hide the client's
 * mistakes instead of answering them the way Connect does.
 */

export const ENDPOINT_TYPES = ['TELEPHONE_NUMBER', 'VOIP', 'CONTACT_FLOW', 'CONNECT_PHONENUMBER_ARN', 'EMAIL_ADDRESS'] as const;
export const E164 = /^\+[1-9]\d{1,14}$/;
export const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]+$/;
const MESSAGING_CONTENT_TYPES = [
  'text/plain',
  'text/markdown',
  'application/json',
  'application/vnd.amazonaws.connect.message.interactive',
  'application/vnd.amazonaws.connect.message.interactive.response',
] as const;
/** InitialSystemMessage content length limits by content type. */
const SYSTEM_MESSAGE_MAX: Record<string, number> = {
  'text/plain': 1024,
  'text/markdown': 1024,
  'application/json': 12000,
  'application/vnd.amazonaws.connect.message.interactive.response': 12288,
};

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

const segmentAttributeValue: z.ZodType<SegmentAttributeValue> = z.lazy(() =>
  z.object({
    ValueString: z.string().max(1024).optional(),
    ValueMap: z.record(z.string().min(1).max(128), segmentAttributeValue).optional(),
    ValueInteger: z.number().int().optional(),
    ValueList: z.array(segmentAttributeValue).optional(),
    ValueArn: z.string().optional(),
  }),
);

const initialSystemMessage = z
  .object({ ContentType: z.string(), Content: z.string() })
  .superRefine((m, ctx) => {
    const max = SYSTEM_MESSAGE_MAX[m.ContentType];
    if (max === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ContentType'], message: `Member must satisfy enum value set: [${Object.keys(SYSTEM_MESSAGE_MAX).join(', ')}]` });
    } else if (m.Content.length < 1 || m.Content.length > max) {
      ctx.addIssue({ code: 'custom', path: ['Content'], message: `Member must have length between 1 and ${max} for content type ${m.ContentType}` });
    }
  });

export const startOutboundChatContactSchema = z.object({
  SourceEndpoint: z.object({
    Type: z.enum(ENDPOINT_TYPES).refine((t) => t === 'CONNECT_PHONENUMBER_ARN', 'Member must be CONNECT_PHONENUMBER_ARN'),
    Address: z.string().min(1).max(256),
  }),
  DestinationEndpoint: z.object({
    Type: z.enum(ENDPOINT_TYPES).refine((t) => t === 'TELEPHONE_NUMBER', 'Member must be TELEPHONE_NUMBER'),
    Address: z.string().max(256).regex(E164, 'Member must be a phone number in E.164 format'),
  }),
  InstanceId: instanceId,
  SegmentAttributes: z.record(z.string().min(1).max(128), segmentAttributeValue),
  Attributes: z.record(z.string().min(1).max(32767).regex(ATTRIBUTE_KEY), z.string().max(32767)).optional(),
  ContactFlowId: z.string().max(500),
  ChatDurationInMinutes: z.number().int().min(60).max(10080).optional(),
  ParticipantDetails: z.object({ DisplayName: z.string().min(1).max(256) }).optional(),
  InitialSystemMessage: initialSystemMessage.optional(),
  InitialTemplatedSystemMessage: z.unknown().optional(),
  RelatedContactId: z.string().min(1).max(256).optional(),
  SupportedMessagingContentTypes: z
    .array(z.enum(MESSAGING_CONTENT_TYPES))
    .refine((types) => types.includes('text/plain'), 'Member must contain text/plain')
    .optional(),
  ClientToken: clientToken.optional(),
});
export type StartOutboundChatContactInput = z.infer<typeof startOutboundChatContactSchema>;

/** AWS names list members `List.N.member` (1-based). */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `${p + 1}.member` : String(p))).join('.');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function constraint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'number'
        ? `Member must have value less than or equal to ${String(issue.maximum)}`
        : `Member must have length less than or equal to ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'number'
        ? `Member must have value greater than or equal to ${String(issue.minimum)}`
        : `Member must have length greater than or equal to ${String(issue.minimum)}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.map(String).join(', ')}]`;
    case 'invalid_format':
      // Our own messages start with "Member"; zod's generic ones are replaced by AWS's wording.
      if (issue.message.startsWith('Member ')) return issue.message;
      return issue.format === 'regex' && 'pattern' in issue ? `Member must satisfy regular expression pattern: ${String(issue.pattern)}` : issue.message;
    case 'invalid_type':
      return issue.expected === 'int' ? 'Member must be an integer' : `Member must be of type ${issue.expected}`;
    case 'invalid_key':
      return `Map keys must satisfy constraint: [${issue.issues.map(constraint).join(', ')}]`;
    default:
      return issue.message;
  }
}

function describe(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === 'invalid_key') {
    const key = String(issue.path[issue.path.length - 1]);
    return `Value '${key}' at '${formatPath(issue.path.slice(0, -1))}' failed to satisfy constraint: ${constraint(issue)}`;
  }
  const field = formatPath(issue.path);
  if (issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined) {
    return `Value null at '${field}' failed to satisfy constraint: Member must not be null`;
  }
  return `Value at '${field}' failed to satisfy constraint: ${constraint(issue)}`;
}

/** Validates like AWS's front end: all violations in one InvalidRequestException naming each field. */
export function parseRequest<T>(schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const count = `${issues.length} validation error${issues.length === 1 ? '' : 's'} detected`;
  throw new ConnectError('InvalidRequestException', `${count}: ${issues.map((i) => describe(i, data)).join('; ')}`);
}

export function checkInstanceId(id: string): void {
  parseRequest(z.object({ InstanceId: instanceId }), { InstanceId: id });
}
