import { z } from 'zod';
import { E164, PHONE_NUMBER_ARN, SEGMENT_ATTRIBUTE_KEY } from './formats';
import type { StartOutboundChatContactInput } from './model-schemas';
import { parseRequest } from './validation';

/**
 * What the StartOutboundChatContact documentation requires beyond the model: an SMS goes
 * from a claimed phone number to an E.164 number, segment attribute keys are names, and
 * messages use the chat content types with their own length limits. Checked after the
 * model, in the model's wording, as one more InvalidRequestException naming the field.
 * The chat's plain Attributes get no key rule here: the model sets none for them.
 */

const MESSAGING_CONTENT_TYPES = [
  'text/plain',
  'text/markdown',
  'application/json',
  'application/vnd.amazonaws.connect.message.interactive',
  'application/vnd.amazonaws.connect.message.interactive.response',
] as const;

/** InitialSystemMessage content length limits by content type (the model only caps all at 16384). */
const SYSTEM_MESSAGE_MAX: Record<string, number> = {
  'text/plain': 1024,
  'text/markdown': 1024,
  'application/json': 12000,
  'application/vnd.amazonaws.connect.message.interactive.response': 12288,
};

function exactly<T extends string>(value: T) {
  return z.custom<T>((v) => v === value, `Member must be ${value}`);
}

function formatted(format: RegExp, what: string) {
  return z.custom<string>((v) => typeof v === 'string' && format.test(v), `Member must be ${what}`);
}

const initialSystemMessage = z.object({ ContentType: z.string(), Content: z.string() }).superRefine((m, ctx) => {
  const max = SYSTEM_MESSAGE_MAX[m.ContentType];
  if (max === undefined) {
    ctx.addIssue({ code: 'custom', path: ['ContentType'], message: `Member must satisfy enum value set: [${Object.keys(SYSTEM_MESSAGE_MAX).join(', ')}]` });
  } else if (m.Content.length > max) {
    ctx.addIssue({ code: 'custom', path: ['Content'], message: `Member must have length between 1 and ${max} for content type ${m.ContentType}` });
  }
});

const chatRulesSchema = z.object({
  SourceEndpoint: z.object({
    Type: exactly('CONNECT_PHONENUMBER_ARN'),
    Address: formatted(PHONE_NUMBER_ARN, 'the ARN of a phone number claimed in Amazon Connect'),
  }),
  DestinationEndpoint: z.object({
    Type: exactly('TELEPHONE_NUMBER'),
    Address: formatted(E164, 'a phone number in E.164 format'),
  }),
  SegmentAttributes: z.record(z.string().regex(SEGMENT_ATTRIBUTE_KEY), z.unknown()),
  InitialSystemMessage: initialSystemMessage.optional(),
  SupportedMessagingContentTypes: z
    .array(z.enum(MESSAGING_CONTENT_TYPES))
    .refine((types) => types.includes('text/plain'), 'Member must contain text/plain')
    .optional(),
});

export type CheckedChat = z.infer<typeof chatRulesSchema>;

/** A request the model accepted, checked against the documentation: its endpoints, now known to be set. */
export function checkChatRules(input: StartOutboundChatContactInput): CheckedChat {
  return parseRequest(chatRulesSchema, input);
}
