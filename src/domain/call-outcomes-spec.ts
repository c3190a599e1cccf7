import { z } from 'zod';
import { dispositions } from './call-disposition';

/** The dispositions a campaign may act on (UNKNOWN among them: a call nobody could tell). */
const disposition = z.enum(dispositions);

/**
 * What a campaign does with what happened on its calls (docs/call-outcomes.md), exactly:
 * `{"redial": [{"dispositions": ["NO_ANSWER","BUSY"], "afterSeconds": 1800, "maxAttempts": 3}],
 *   "smsOn": ["VOICEMAIL"], "settleWithinSeconds": 3600}`.
 * It needs a worker reading contact events (CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL).
 */
export const callOutcomesSchema = z.strictObject({
  /** Redial rules: an entry whose call ended in one of `dispositions` is called again after `afterSeconds`, up to `maxAttempts` calls in all. */
  redial: z
    .array(
      z.strictObject({
        dispositions: z
          .array(disposition)
          .min(1)
          .refine((list) => !list.includes('REACHED'), { message: 'REACHED is never redialled: a person answered' }),
        afterSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 86_400),
        maxAttempts: z.number().int().min(1).max(20),
      }),
    )
    .default([]),
  /** Dispositions after which the entry gets one SMS through the campaign's deflection path, with the chat settings' initialMessage (`chat` is then required). */
  smsOn: z.array(disposition).default([]),
  /** The longest the campaign waits, after its last call, for the calls' outcomes; then the undecided ones are UNKNOWN. */
  settleWithinSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(3600),
});
export type CallOutcomesSettings = z.infer<typeof callOutcomesSchema>;
