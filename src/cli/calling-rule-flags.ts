import { Option, type Command } from 'commander';
import { CampaignInputError } from '../client';
import { parseCallingDays, parseCallingHours, weekdays, type CallingWindowInput } from '../domain/calling-window';

/** The `start` (and `check`) flags of the calling rules (docs/compliance.md). */
export interface CallingRuleFlags {
  callingHours?: string;
  callingDays?: string;
  restrictedDates?: string;
  defaultTimeZone?: string;
  endAt?: string;
  maxCallsPerNumber?: string;
  capDays?: string;
}

export function withCallingRuleOptions(command: Command): Command {
  const group = 'Calling rules (docs/compliance.md):';
  return command
    .addOption(
      new Option('--calling-hours <HH:MM-HH:MM>', "call only between these local times in each recipient's time zone, e.g. 08:00-21:00 (or 09:00-12:00,14:00-20:00)").helpGroup(
        group,
      ),
    )
    .addOption(new Option('--calling-days <days>', 'the days --calling-hours apply, e.g. MON-FRI or MON-FRI,SAT (default every day)').helpGroup(group))
    .addOption(new Option('--restricted-dates <dates>', "local dates never called, e.g. 2026-12-25,2027-01-01 (in the recipient's calendar)").helpGroup(group))
    .addOption(
      new Option(
        '--default-time-zone <zone>',
        'IANA zone of entries whose zone the TimeZone column and the number do not tell (without it they wait, and are never guessed)',
      ).helpGroup(group),
    )
    .addOption(new Option('--end-at <iso-time>', 'stop sending then: what is not sent by that time ends CANCELLED with that reason, e.g. 2026-12-24T18:00:00Z').helpGroup(group))
    .addOption(
      new Option(
        '--max-calls-per-number <n>',
        'frequency cap: call a number at most n times in --cap-days days, counting every campaign of this deployment (an entry over it waits, or ends SUPPRESSED when the cap allows it only after --end-at)',
      ).helpGroup(group),
    )
    .addOption(new Option('--cap-days <days>', 'the days a frequency cap counts calls over, 1 to 30 (with --max-calls-per-number)').helpGroup(group));
}

/**
 * The campaign's `callingWindow` and `endAt` from the flags, or undefined for the ones not
 * given. The schema checks the values (zone names, inverted windows); this only reads them.
 */
export function callingRulesFromFlags(f: CallingRuleFlags): { callingWindow?: CallingWindowInput; endAt?: string; frequencyCap?: { maxCallsPerNumber: number; days: number } } {
  const cap = frequencyCapFromFlags(f);
  return { ...windowFromFlags(f), ...(cap ? { frequencyCap: cap } : {}) };
}

/** The cap's numbers as given (the schema judges them: whole, 1 or more, days 1 to 30); both flags or neither. */
function frequencyCapFromFlags(f: CallingRuleFlags): { maxCallsPerNumber: number; days: number } | undefined {
  if (f.maxCallsPerNumber === undefined && f.capDays === undefined) return undefined;
  if (f.maxCallsPerNumber === undefined)
    throw new CampaignInputError([{ field: 'frequencyCap.maxCallsPerNumber', reason: 'a cap needs its number of calls (--max-calls-per-number n with --cap-days)' }]);
  if (f.capDays === undefined)
    throw new CampaignInputError([{ field: 'frequencyCap.days', reason: 'a cap needs the days it counts over (--cap-days 1 to 30 with --max-calls-per-number)' }]);
  return { maxCallsPerNumber: wholeNumber(f.maxCallsPerNumber, 'frequencyCap.maxCallsPerNumber'), days: wholeNumber(f.capDays, 'frequencyCap.days') };
}

function wholeNumber(text: string, field: string): number {
  if (!/^\s*-?\d+(\.\d+)?\s*$/.test(text)) throw new CampaignInputError([{ field, reason: `"${text}" is not a number` }]);
  return Number(text);
}

function windowFromFlags(f: CallingRuleFlags): { callingWindow?: CallingWindowInput; endAt?: string } {
  const window = f.callingHours !== undefined || f.callingDays !== undefined || f.restrictedDates !== undefined || f.defaultTimeZone !== undefined;
  if (!window) return f.endAt !== undefined ? { endAt: f.endAt } : {};
  if (f.callingHours === undefined) {
    throw new CampaignInputError([{ field: 'callingWindow.hours', reason: 'a calling window needs its hours (--calling-hours HH:MM-HH:MM)' }]);
  }
  const spans = read('callingWindow.hours', () => parseCallingHours(f.callingHours ?? ''));
  const days = f.callingDays === undefined ? [...weekdays] : read('callingWindow.hours', () => parseCallingDays(f.callingDays ?? ''));
  const restrictedDates = f.restrictedDates
    ?.split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  return {
    callingWindow: {
      hours: Object.fromEntries(days.map((d) => [d, spans])),
      ...(restrictedDates ? { restrictedDates } : {}),
      ...(f.defaultTimeZone !== undefined ? { defaultTimeZone: f.defaultTimeZone } : {}),
    },
    ...(f.endAt !== undefined ? { endAt: f.endAt } : {}),
  };
}

function read<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new CampaignInputError([{ field, reason: (err as Error).message }]);
  }
}

/** The flag that sets each calling-rule field, for messages about that field. */
export const callingRuleFlagOfField: Record<string, string> = {
  callingWindow: '--calling-hours',
  'callingWindow.hours': '--calling-hours/--calling-days',
  'callingWindow.restrictedDates': '--restricted-dates',
  'callingWindow.defaultTimeZone': '--default-time-zone',
  endAt: '--end-at',
  frequencyCap: '--max-calls-per-number/--cap-days',
  'frequencyCap.maxCallsPerNumber': '--max-calls-per-number',
  'frequencyCap.days': '--cap-days',
};
