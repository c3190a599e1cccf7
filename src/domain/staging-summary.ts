import { z } from 'zod';
import { rejectionCodes } from './entry-validation';

/** What staging a dial list found: the campaign's denominators and why entries were rejected. */
export const stagingSummarySchema = z.object({
  total: z.number().int().min(0),
  valid: z.number().int().min(0),
  rejected: z.number().int().min(0),
  /** Entries whose number was on a suppression list (SUPPRESSED, not staged); absent from stagings before suppression lists. */
  suppressed: z.number().int().min(0).optional(),
  /**
   * The most frequent reason for REJECTED, when any entry was: its rule (`code`), the field,
   * the reason given for the first entry it rejected (the index of that entry) and how many
   * entries it rejected. When `count` equals `total`, one mistake (a missing QueueId, the
   * wrong phone column) rejected the whole list.
   */
  commonRejection: z
    .object({
      code: z.enum(rejectionCodes),
      field: z.string(),
      reason: z.string(),
      firstIndex: z.number().int().min(0),
      count: z.number().int().min(1),
    })
    .optional(),
});
export type StagingSummary = z.infer<typeof stagingSummarySchema>;
