import { z } from 'zod';
import { jsonBytes } from './carried-budget';
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

/**
 * A deflect signal's JSON at most, in bytes: far under Temporal's 2 MB payload limit (a
 * campaign whose workflow task cannot upload its payloads never moves again), and the most a
 * campaign hands its store in one write.
 */
export const MAX_DEFLECT_SIGNAL_BYTES = 128 * 1024;
/** RequestIdentifiers per deflect signal at most, so that each answer stays small enough to carry (deflection-answers.ts). */
export const MAX_IDS_PER_DEFLECT_SIGNAL = 250;

/** An answerId as the client makes them (a UUID): what each signal's size is reckoned with. */
const ANSWER_ID_BYTES = 36;

/**
 * Splits a deflect request into signals of at most MAX_IDS_PER_DEFLECT_SIGNAL ids and
 * MAX_DEFLECT_SIGNAL_BYTES each; every signal repeats the message and attributes. A request
 * whose message and attributes alone leave no room for one id cannot be split: the reason
 * names the field, and nothing should be sent.
 */
export function splitDeflectRequest(request: DeflectRequest): { signals: DeflectRequest[] } | { field: 'attributes' | 'message'; reason: string } {
  const { requestIdentifiers, ...text } = request;
  const base = jsonBytes({ ...text, answerId: 'x'.repeat(ANSWER_ID_BYTES), requestIdentifiers: [] });
  const longest = Math.max(...requestIdentifiers.map((id) => jsonBytes(id) + 1));
  if (base + longest > MAX_DEFLECT_SIGNAL_BYTES) {
    const field = text.attributes && jsonBytes(text.attributes) > jsonBytes(text.message ?? '') ? 'attributes' : 'message';
    return {
      field,
      reason: `the message and attributes weigh ${base} bytes as a signal; a deflect signal carries at most ${MAX_DEFLECT_SIGNAL_BYTES} bytes with its ids (Temporal refuses payloads over 2 MB and a campaign over it stops): nothing was sent`,
    };
  }
  const signals: DeflectRequest[] = [];
  let ids: string[] = [];
  let bytes = base;
  for (const id of requestIdentifiers) {
    const cost = jsonBytes(id) + 1;
    if (ids.length === MAX_IDS_PER_DEFLECT_SIGNAL || bytes + cost > MAX_DEFLECT_SIGNAL_BYTES) {
      signals.push({ ...text, requestIdentifiers: ids });
      ids = [];
      bytes = base;
    }
    ids.push(id);
    bytes += cost;
  }
  signals.push({ ...text, requestIdentifiers: ids });
  return { signals };
}
