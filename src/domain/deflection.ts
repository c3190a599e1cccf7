import { z } from 'zod';
import { MAX_REQUEST_IDENTIFIER_LENGTH } from './limits';

export const deflectRequestSchema = z.object({
  requestIdentifiers: z.array(z.string().min(1).max(MAX_REQUEST_IDENTIFIER_LENGTH)).min(1).max(1000),
  /** The SMS's first message; the campaign's chat.initialMessage when absent. */
  message: z.string().min(1).max(1024).optional(),
  attributes: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'attribute keys may hold only letters, digits, "-" and "_"'), z.string().max(32767)).optional(),
});
export type DeflectRequest = z.infer<typeof deflectRequestSchema>;

/** What the deflectToChat signal carries: a request, and where the caller waits for its answer. */
export const deflectSignalSchema = deflectRequestSchema.extend({
  /** Chosen by the caller (a UUID); the answer is kept under it for deflectionAnswerQuery. */
  answerId: z.string().min(1).max(100).optional(),
});
export type DeflectSignal = z.infer<typeof deflectSignalSchema>;

export const deflectRefusalReasons = ['UNKNOWN_REQUEST_IDENTIFIER', 'ALREADY_TERMINAL', 'ALREADY_DEFLECTING', 'CHAT_NOT_CONFIGURED', 'CAMPAIGN_ENDING'] as const;

export const deflectAnswerSchema = z.object({
  accepted: z.array(z.string()),
  refused: z.array(z.object({ requestIdentifier: z.string(), reason: z.enum(deflectRefusalReasons), detail: z.string() })),
});
export type DeflectAnswer = z.infer<typeof deflectAnswerSchema>;

/** Where a deflection's answer stands: the signal may not have been handled yet. */
export type DeflectionAnswerState = { state: 'answered'; answer: DeflectAnswer } | { state: 'pending' } | { state: 'unknown' };
