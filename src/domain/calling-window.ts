import { z } from 'zod';

/** Days of the week as the calling window names them (ISO order, Monday first). */
export const weekdays = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof weekdays)[number];

const HH_MM = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** "08:30" → 510; "24:00" → 1440. */
export function minutesOfDay(hhmm: string): number {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new RangeError(`"${hhmm}" is not a time of day HH:MM`);
  return Number(m[1] ?? m[3]) * 60 + Number(m[2] ?? m[4]);
}

/** Whether the runtime's IANA data knows this zone name (Intl throws a RangeError for one it does not). */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const timeOfDay = z.string().regex(HH_MM, 'a time of day as HH:MM, 00:00-24:00');

/** One span of calling hours in the recipient's local time: from `from` (included) to `to` (excluded), within one day. */
export const callingHoursSchema = z
  .object({ from: timeOfDay, to: timeOfDay })
  .refine((h) => !HH_MM.test(h.from) || !HH_MM.test(h.to) || minutesOfDay(h.from) < minutesOfDay(h.to), {
    path: ['to'],
    message: 'an inverted window: "to" must be after "from" on the same day (hours across midnight are two spans, one on each day)',
  });
export type CallingHours = z.infer<typeof callingHoursSchema>;

export const timeZoneNameSchema = z.string().refine(isKnownTimeZone, { message: 'not an IANA time zone name this runtime knows (e.g. America/New_York, Europe/Paris)' });

const isoDate = z.iso.date({ message: 'a date as YYYY-MM-DD' });

/**
 * When a campaign may call: hours per day of the week in the recipient's local time, dates
 * on which it never calls (holidays, in the recipient's local calendar), and the zone of
 * entries whose own cannot be told. docs/compliance.md says where each entry's zone comes from.
 */
export const callingWindowSchema = z.object({
  /** Calling hours per day; a day that is absent (or has no spans) is not called. */
  hours: z
    .partialRecord(z.enum(weekdays), z.array(callingHoursSchema).max(4, 'at most 4 spans a day'))
    .refine((h) => Object.values(h).some((spans) => spans !== undefined && spans.length > 0), { message: 'no day has calling hours: nothing could ever be called' }),
  /** Local dates on which nothing is called (YYYY-MM-DD). */
  restrictedDates: z.array(isoDate).max(400).optional(),
  /** The zone of entries whose own zone cannot be told; without it such entries wait, with the reason, and are never guessed. */
  defaultTimeZone: timeZoneNameSchema.optional(),
  /** The attribute (a CSV column becomes one) that holds an entry's IANA zone. */
  timeZoneAttribute: z.string().min(1).max(100).default('TimeZone'),
});
export type CallingWindow = z.infer<typeof callingWindowSchema>;
export type CallingWindowInput = z.input<typeof callingWindowSchema>;

/** `MON-FRI`, `SAT,SUN`, `MON-WED,FRI` → the days, in week order. */
export function parseCallingDays(text: string): Weekday[] {
  const days = new Set<Weekday>();
  for (const part of text.split(',').map((p) => p.trim().toUpperCase())) {
    const [first, last] = part.split('-').map((d) => d.trim());
    const a = weekdays.indexOf(first as Weekday);
    const b = last === undefined ? a : weekdays.indexOf(last as Weekday);
    if (a < 0 || b < 0) throw new RangeError(`"${part}" is not a day or a range of days (MON, TUE, WED, THU, FRI, SAT, SUN; e.g. MON-FRI)`);
    if (b < a) throw new RangeError(`"${part}" runs backwards: write the days in week order (e.g. MON-FRI, or SAT,SUN)`);
    for (let i = a; i <= b; i++) days.add(weekdays[i] as Weekday);
  }
  return weekdays.filter((d) => days.has(d));
}

/** `08:00-21:00` or `09:00-12:00,14:00-20:00` → spans (checked by the schema). */
export function parseCallingHours(text: string): { from: string; to: string }[] {
  return text.split(',').map((span) => {
    const [from, to, extra] = span.trim().split('-');
    if (from === undefined || to === undefined || extra !== undefined) throw new RangeError(`"${span}" is not a span of hours HH:MM-HH:MM`);
    return { from: from.trim(), to: to.trim() };
  });
}
