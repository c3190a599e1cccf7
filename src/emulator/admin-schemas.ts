import { z } from 'zod';
import type { CallSettings, EmulatorConfigPatch, FaultConfig } from './types';

/** Checks what the admin endpoints (and setFaults/configure) receive; errors name the field. */

const share = z.number().min(0).max(1);
const operation = z.enum(['BatchPutContact', 'StartOutboundChatContact', 'PutOutboundRequestBatch', 'GetCampaignState', 'DescribeContact', 'GetContactAttributes']);
const callOutcome = z.enum(['HUMAN_ANSWERED', 'VOICEMAIL', 'NO_ANSWER', 'BUSY', 'INVALID_NUMBER', 'NOT_DIALLED']);

export const callSettingsSchema: z.ZodType<CallSettings> = z.strictObject({
  ringMs: z.number().int().min(0).optional(),
  outcomes: z.partialRecord(callOutcome, z.number().min(0)).optional(),
  byNumber: z.record(z.string(), z.union([callOutcome, z.array(callOutcome).min(1)])).optional(),
  silentNumbers: z.array(z.string()).optional(),
  duplicateRate: share.optional(),
  dropRate: share.optional(),
  reorder: z.boolean().optional(),
  seed: z.number().int().optional(),
});
const campaignState = z.enum(['Initialized', 'Running', 'Paused', 'Stopped', 'Failed', 'Completed']);
const callError = z.enum([
  'InternalServiceException',
  'LimitExceededException',
  'ThrottlingException',
  'AccessDeniedException',
  'ExpiredTokenException',
  'ResourceNotFoundException',
  'InvalidRequestException',
  'IdempotencyException',
  'ConflictException',
  'InternalServerException',
  'ValidationException',
]);

const scheduledFault = z.union([
  z.strictObject({
    operation,
    call: z.number().int().min(1).optional(),
    times: z.number().int().min(1).optional(),
    error: callError,
    message: z.string().optional(),
  }),
  z.strictObject({
    requestIdentifier: z.string(),
    failureReasonCode: z.string().min(1),
    times: z.number().int().min(1).optional(),
    message: z.string().optional(),
  }),
  z.strictObject({
    clientToken: z.string(),
    failureCode: z.enum(['InvalidInput', 'RequestThrottled', 'UnknownError', 'BufferLimitExceeded']),
    times: z.number().int().min(1).optional(),
  }),
]);

export const faultConfigSchema: z.ZodType<FaultConfig> = z.strictObject({
  entryThrottleRate: share.optional(),
  entryInternalErrorRate: share.optional(),
  requestBufferLimitRate: share.optional(),
  callInternalErrorRate: share.optional(),
  schedule: z.array(scheduledFault).optional(),
  chatConcurrencyLimit: z.number().int().min(0).optional(),
  seed: z.number().int().optional(),
});

const rateLimit = z.strictObject({ perSecond: z.number().positive(), burst: z.number().min(1) });

export const configPatchSchema: z.ZodType<EmulatorConfigPatch> = z.strictObject({
  latencyMs: z.number().min(0).optional(),
  // null over the wire clears the limits (JSON has no undefined).
  rate: z
    .strictObject({
      batchPutContact: rateLimit.optional(),
      outboundChat: rateLimit.optional(),
      outboundRequests: rateLimit.optional(),
      campaignState: rateLimit.optional(),
    })
    .nullable()
    .transform((r) => r ?? undefined)
    .optional(),
  deniedAccessKeyIds: z.array(z.string()).optional(),
  missingInstanceIds: z.array(z.string()).optional(),
  invalidQueueIds: z.array(z.string()).optional(),
  missingCampaignIds: z.array(z.string()).optional(),
  campaignStates: z.record(z.string(), campaignState).optional(),
  // null over the wire stops dialling.
  calls: callSettingsSchema
    .nullable()
    .transform((c) => c ?? undefined)
    .optional(),
});

export class AdminInputError extends Error {
  override name = 'AdminInputError';
}

/** A union's issues are per branch: report the branch that came closest. */
function flatten(issue: z.core.$ZodIssue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
    return closest.flatMap((i) => flatten(i, path));
  }
  return [{ path, message: issue.message }];
}

export function parseAdmin<T>(schema: z.ZodType<T>, what: string, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((i) => flatten(i, [])).map((p) => `${p.path.length > 0 ? p.path.map(String).join('.') : '(root)'}: ${p.message}`);
  throw new AdminInputError(`Invalid ${what}: ${problems.join('; ')}`);
}
