import { z } from 'zod';

/** SUPPRESSED: never sent, the number was on a suppression list when staged or about to be sent (its message names the list). */
export const outcomeKinds = ['CREATED', 'DEFLECTED', 'REJECTED', 'FAILED', 'CANCELLED', 'SUPPRESSED'] as const;
export type OutcomeKind = (typeof outcomeKinds)[number];

/** The one terminal outcome of one dial-list entry (invariant 3). */
export const outcomeRecordSchema = z.object({
  requestIdentifier: z.string(),
  /** Position in the dial list, 0-based: what tells entries apart (a list may repeat an id). */
  index: z.number().int().min(0),
  outcome: z.enum(outcomeKinds),
  /** CREATED: the voice ContactId; DEFLECTED: the chat ContactId. */
  contactId: z.string().optional(),
  /** DEFLECTED after dialling: the voice contact the SMS follows up. */
  relatedContactId: z.string().optional(),
  failureCode: z.string().optional(),
  /** Which member of the entry was wrong (REJECTED). */
  field: z.string().optional(),
  message: z.string().optional(),
  /** With call outcomes: the final disposition of the entry's calls (an open set: Connect's future values). */
  disposition: z.string().optional(),
  /** With call outcomes: how many calls were placed to the entry. */
  attempts: z.number().int().min(0).optional(),
});
export type OutcomeRecord = z.infer<typeof outcomeRecordSchema>;

export type OutcomeCounts = Record<OutcomeKind, number>;

export function emptyOutcomeCounts(): OutcomeCounts {
  return { CREATED: 0, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 };
}

/**
 * When one entry has records in several places, the latest kind in this order wins: a
 * deflection after dialling supersedes CREATED.
 */
export const outcomePrecedence: Record<OutcomeKind, number> = {
  CANCELLED: 0,
  REJECTED: 1,
  SUPPRESSED: 1,
  FAILED: 2,
  CREATED: 3,
  DEFLECTED: 4,
};
