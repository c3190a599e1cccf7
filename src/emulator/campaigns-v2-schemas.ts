import { z } from 'zod';
import { parseRequest } from './validation';

/**
 * PutOutboundRequestBatch's and GetCampaignState's request shapes exactly as the Outbound
 * Campaigns v2 service model (2024-04-23) states them, with its lowercase member names.
 * test/emulator-campaigns-v2.test.ts walks botocore's copy of the model to hold these to it.
 * Rules the model does not state (E.164, telephony only) are per-request InvalidInput,
 * checked in outbound-requests.ts after these pass.
 */

/** AWS's words for a pattern; anchored here because the model's patterns match the whole value. */
const pattern = (source: string): [RegExp, { message: string }] => [new RegExp(`^(?:${source})$`, 'u'), { message: `Member must satisfy regular expression pattern: ${source}` }];

const campaignId = z
  .string()
  .min(1)
  .max(256)
  .regex(...pattern('[-:/a-zA-Z0-9]+'));
const clientToken = z
  .string()
  .max(200)
  .regex(...pattern('[a-zA-Z0-9_\\-.]*'));
const destinationPhoneNumber = z
  .string()
  .max(20)
  .regex(...pattern('[\\d\\-+]*'));
const attributes = z.record(
  z
    .string()
    .max(32767)
    .regex(...pattern('[a-zA-Z0-9\\-_]+')),
  z.string().max(32767),
);
const arn = z.string().min(20).max(500);
const timestamp = z.iso.datetime({ offset: true, message: 'Member must be a timestamp in ISO-8601 format' });

const telephonySchema = z.object({
  destinationPhoneNumber,
  attributes,
  connectSourcePhoneNumber: z.string().max(100).optional(),
  answerMachineDetectionConfig: z.object({ enableAnswerMachineDetection: z.boolean(), awaitAnswerMachinePrompt: z.boolean().optional() }).optional(),
  ringTimeout: z.number().int().min(15).max(60).optional(),
});

/** The other channels are checked for shape only: the emulator dials telephony (others are InvalidInput). */
const templated = z.object({ connectSourcePhoneNumberArn: arn.optional(), templateArn: arn.optional(), templateParameters: attributes });

const channelSubtypeParameters = z
  .object({
    telephony: telephonySchema.optional(),
    sms: templated.extend({ destinationPhoneNumber }).optional(),
    email: templated
      .omit({ connectSourcePhoneNumberArn: true })
      .extend({ destinationEmailAddress: z.string().min(1).max(255), connectSourceEmailAddress: z.string().min(1).max(255).optional() })
      .optional(),
    whatsApp: templated.extend({ destinationPhoneNumber }).optional(),
  })
  // A union: exactly one member set.
  .refine((u) => Object.values(u).filter((v) => v !== undefined).length === 1, { message: 'Member must have exactly one member set' });

export const outboundRequestSchema = z.object({
  clientToken,
  expirationTime: timestamp,
  channelSubtypeParameters,
});
export type OutboundRequestInput = z.infer<typeof outboundRequestSchema>;

export const putOutboundRequestBatchSchema = z.object({
  outboundRequests: z.array(outboundRequestSchema).min(1).max(25),
});

/** The campaign id is a URI label: checked apart from the body, with the same wording. */
export function checkCampaignId(id: string): void {
  parseRequest(z.object({ id: campaignId }), { id }, 'ValidationException');
}
