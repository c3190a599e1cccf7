import { minutesOfDay, weekdays, type CallingWindow, type Weekday } from '../domain/calling-window';

/** How far ahead an opening is looked for; a window that never opens in this time leaves its entries waiting with the reason. */
const LOOKAHEAD_DAYS = 400;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Whether a zone's calling window is open at an instant: until when, or when it opens next. */
export type WindowAt = { open: true; closesAt: number } | { open: false; opensAt?: number };

interface LocalTime {
  /** The local date at midnight, as if it were UTC (ms): days are added to it. */
  dayUtc: number;
  /** Local wall time as if it were UTC (ms). */
  wallUtc: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time in `zone` at instant `at`, from the runtime's IANA data (DST included). */
function localTime(zone: string, at: number): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const dayUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1);
  return { dayUtc, wallUtc: dayUtc + ((parts.hour ?? 0) * 60 + (parts.minute ?? 0)) * MINUTE + (parts.second ?? 0) * 1000 };
}

/**
 * The first instant whose wall-clock time in `zone` is at or after `wallUtc` (a local date and
 * time written as if it were UTC). A time that the spring-forward skips (02:30 in New York on
 * its DST day) gives the first instant after the gap (03:00 EDT); a time that the fall-back
 * repeats gives its first occurrence.
 */
export function instantOf(zone: string, wallUtc: number): number {
  // Two rounds of "wall time minus the offset there" land on the instant unless the time is in a gap.
  const offsetAt = (t: number): number => localTime(zone, t).wallUtc - Math.floor(t / 1000) * 1000;
  const candidates = [wallUtc - offsetAt(wallUtc - DAY / 2), wallUtc - offsetAt(wallUtc), wallUtc - offsetAt(wallUtc + DAY / 2)];
  const exact = candidates.filter((t) => localTime(zone, t).wallUtc === wallUtc).sort((a, b) => a - b)[0];
  if (exact !== undefined) return exact;
  // In a gap: the smallest instant whose wall time has passed the wanted one, to the minute.
  let lo = Math.min(...candidates) - DAY / 4;
  let hi = Math.max(...candidates) + DAY / 4;
  while (hi - lo > MINUTE) {
    const mid = Math.floor((lo + hi) / 2 / MINUTE) * MINUTE;
    if (localTime(zone, mid).wallUtc >= wallUtc) hi = mid;
    else lo = mid;
  }
  return hi;
}

function weekdayOf(dayUtc: number): Weekday {
  // getUTCDay: 0 is Sunday; weekdays start on Monday.
  return weekdays[(new Date(dayUtc).getUTCDay() + 6) % 7] as Weekday;
}

function isoDateOf(dayUtc: number): string {
  return new Date(dayUtc).toISOString().slice(0, 10);
}

/**
 * Whether `window` is open in `zone` at `at` (ms): open until `closesAt`, or closed until
 * `opensAt` (absent when it does not open within 400 days: every day restricted, say). Days
 * and restricted dates are the recipient's local calendar; a span `from`-`to` holds the
 * instants whose local time is at or after `from` and before `to` on that date.
 */
export function windowAt(window: Pick<CallingWindow, 'hours' | 'restrictedDates'>, zone: string, at: number): WindowAt {
  const restricted = new Set(window.restrictedDates ?? []);
  const today = localTime(zone, at).dayUtc;
  for (let k = -1; k <= LOOKAHEAD_DAYS; k++) {
    const day = today + k * DAY;
    if (restricted.has(isoDateOf(day))) continue;
    const spans = [...(window.hours[weekdayOf(day)] ?? [])].sort((a, b) => minutesOfDay(a.from) - minutesOfDay(b.from));
    for (const span of spans) {
      const opensAt = instantOf(zone, day + minutesOfDay(span.from) * MINUTE);
      const closesAt = instantOf(zone, day + minutesOfDay(span.to) * MINUTE);
      if (closesAt <= at) continue;
      if (opensAt <= at) return { open: true, closesAt };
      return { open: false, opensAt };
    }
  }
  return { open: false };
}
