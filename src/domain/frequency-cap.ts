import { z } from 'zod';

/** Outbound Campaigns v2's communicationLimits allow a frequency of 1 to 30 days; so do caps here. */
export const MAX_CAP_DAYS = 30;

/**
 * How often one number may be called across every campaign of the deployment
 * (docs/compliance.md): at most `maxCallsPerNumber` calls in any `days` days, counted from the
 * campaign store's record of sends that Connect answered with a contact. Mirrors Outbound
 * Campaigns v2's communicationLimits (maxCountPerRecipient per 1–30 days).
 */
export const frequencyCapSchema = z.object({
  maxCallsPerNumber: z
    .number({ message: 'a whole number of calls, 1 or more' })
    .int('a whole number of calls, 1 or more')
    .min(1, 'at least 1 call')
    .max(1000, 'at most 1000 calls'),
  days: z
    .number({ message: `a whole number of days, 1 to ${MAX_CAP_DAYS}` })
    .int(`a whole number of days, 1 to ${MAX_CAP_DAYS}`)
    .min(1, 'at least 1 day')
    .max(MAX_CAP_DAYS, `at most ${MAX_CAP_DAYS} days (as Outbound Campaigns v2's communicationLimits)`),
});
export type FrequencyCap = z.infer<typeof frequencyCapSchema>;

export const DAY_MS = 86_400_000;
