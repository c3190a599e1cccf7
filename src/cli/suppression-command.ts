import { createReadStream } from 'node:fs';
import { Command, Option } from 'commander';
import { parse } from 'csv-parse';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { CampaignInputError } from '../client';
import { openConfiguredStore } from '../storage/open-store';
import { DEFAULT_SUPPRESSION_LIST, type Suppression } from '../storage/suppression-lists';
import { configFrom, withConnectionOptions, type ConnectionFlags } from './options';

interface SuppressionFlags extends ConnectionFlags {
  list?: string;
  file?: string;
  phoneColumn: string;
  country?: string;
  expires?: string;
  note?: string;
  json?: boolean;
}

const LIST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ROWS_PER_WRITE = 5_000;

/**
 * `connect-dialer suppression add|remove|list|import`: the deployment's do-not-call lists in
 * the campaign store (docs/compliance.md). Every campaign checks them when its list is staged
 * and again just before each send.
 */
export function suppressionCommand(): Command {
  const command = new Command('suppression').description('manage suppression (do-not-call) lists, shared by every campaign: numbers on them are never dialled (SUPPRESSED)');
  command.addCommand(
    withCommon(new Command('add').argument('[numbers...]', 'numbers to add (E.164, or national with --country)'))
      .description('add numbers to a suppression list (again: renews the expiry and note)')
      .addOption(new Option('--expires <when>', 'the entry stops suppressing then: an ISO time (2027-06-30T00:00:00Z) or a duration from now (90d, 12h)'))
      .addOption(new Option('--note <text>', 'why the number is on the list (kept with it)'))
      .action(async (numbers: string[], flags: SuppressionFlags) => {
        const list = listName(flags.list);
        const expiresAt = expiryOf(flags.expires);
        await withStore(flags, async (store) => {
          let added = 0;
          for await (const phones of numbersFrom(numbers, flags)) added += await store.addSuppressions(phones.map((phone) => ({ list, phone, expiresAt, note: flags.note })));
          process.stdout.write(`Added ${added} number(s) to suppression list "${list}"${expiresAt ? ` until ${expiresAt}` : ''}\n`);
        });
      }),
  );
  command.addCommand(
    withCommon(new Command('import').description('add every number of a CSV file (its phone column) to a suppression list'))
      .addOption(new Option('--expires <when>', 'an ISO time or a duration from now (90d, 12h)'))
      .addOption(new Option('--note <text>', 'why the numbers are on the list'))
      .action(async (flags: SuppressionFlags) => {
        if (!flags.file) throw new CampaignInputError([{ field: 'file', reason: 'import needs --file <numbers.csv>' }]);
        const list = listName(flags.list);
        const expiresAt = expiryOf(flags.expires);
        await withStore(flags, async (store) => {
          let added = 0;
          for await (const phones of numbersFrom([], flags)) added += await store.addSuppressions(phones.map((phone) => ({ list, phone, expiresAt, note: flags.note })));
          process.stdout.write(`Imported ${added} number(s) into suppression list "${list}"\n`);
        });
      }),
  );
  command.addCommand(
    withCommon(new Command('remove').argument('[numbers...]', 'numbers to remove'))
      .description('remove numbers from a suppression list')
      .action(async (numbers: string[], flags: SuppressionFlags) => {
        const list = listName(flags.list);
        await withStore(flags, async (store) => {
          let removed = 0;
          for await (const phones of numbersFrom(numbers, flags)) removed += await store.removeSuppressions(list, phones);
          process.stdout.write(`Removed ${removed} number(s) from suppression list "${list}"\n`);
        });
      }),
  );
  command.addCommand(
    withConnectionOptions(
      new Command('list')
        .description('print the numbers on one suppression list (--list) or on every list')
        .option('--list <name>', 'only this list')
        .option('--json', 'one JSON object per line')
        .action(async (flags: SuppressionFlags) => {
          const list = flags.list === undefined ? undefined : listName(flags.list);
          await withStore(flags, async (store) => {
            let after: { list: string; phone: string } | undefined;
            for (;;) {
              const page = await store.suppressions({ list, after, max: ROWS_PER_WRITE });
              for (const s of page) process.stdout.write((flags.json ? JSON.stringify(s) : formatRow(s)) + '\n');
              const last = page.at(-1);
              if (!last || page.length < ROWS_PER_WRITE) return;
              after = last;
            }
          });
        }),
      ['DATABASE_URL', 'CONNECT_DIALER_DATA_DIR'],
    ),
  );
  command.addHelpText(
    'after',
    `
Examples:
  $ connect-dialer suppression add +14155550100 +442071838750 --note "asked not to be called"
  $ connect-dialer suppression import --file dnc.csv --list national-dnc --phone-column Phone
  $ connect-dialer suppression add 4155550101 --country US --list holiday --expires 30d
  $ connect-dialer suppression remove +14155550100
  $ connect-dialer suppression list --list national-dnc --json

Numbers are stored in E.164. An entry whose number is on any list (unexpired) ends SUPPRESSED, checked
when the dial list is staged and again just before each send: a number added mid-campaign is not dialled.`,
  );
  return command;
}

function withCommon(command: Command): Command {
  return withConnectionOptions(
    command
      .option('--list <name>', `the list (default "${DEFAULT_SUPPRESSION_LIST}")`)
      .option('--file <numbers.csv>', 'also take the numbers of this CSV file (its phone column)')
      .option('--phone-column <name>', 'the CSV column with the numbers', 'PhoneNumber')
      .option('--country <ISO>', 'the country of numbers written without their +country code (e.g. US, GB)'),
    ['DATABASE_URL', 'CONNECT_DIALER_DATA_DIR'],
  );
}

async function withStore(flags: SuppressionFlags, work: (store: Awaited<ReturnType<typeof openConfiguredStore>>['store']) => Promise<void>): Promise<void> {
  const { store, database } = await openConfiguredStore(configFrom(flags), { maxConnections: 2 });
  try {
    await work(store);
  } finally {
    await database.close();
  }
}

function listName(name: string | undefined): string {
  const list = name ?? DEFAULT_SUPPRESSION_LIST;
  if (!LIST_NAME.test(list))
    throw new CampaignInputError([{ field: 'list', reason: `"${list}" is not a list name: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit` }]);
  return list;
}

/** An ISO time, or a duration from now (`90d`, `12h`, `30m`), as an ISO time. */
export function expiryOf(text: string | undefined, now = Date.now()): string | undefined {
  if (text === undefined) return undefined;
  const duration = /^(\d+)\s*([dhm])$/.exec(text.trim());
  if (duration) return new Date(now + Number(duration[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[duration[2] as 'd' | 'h' | 'm']).toISOString();
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at)) {
    throw new CampaignInputError([{ field: 'expires', reason: `"${text}" is neither an ISO time (2027-06-30T00:00:00Z) nor a duration (90d, 12h, 30m)` }]);
  }
  return new Date(at).toISOString();
}

/** A number as stored: E.164, or why it is not one (naming where it came from). */
export function toE164(raw: string, where: string, country?: string): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), country ? { defaultCountry: country.toUpperCase() as CountryCode } : undefined);
  if (!parsed?.isPossible()) {
    const hint = raw.trim().startsWith('+') || country ? '' : ' (write it in E.164, +<country code><number>, or pass --country)';
    throw new CampaignInputError([{ field: where, reason: `"${raw}" is not a telephone number${hint}` }]);
  }
  return parsed.number;
}

/** The numbers of the arguments and then of --file, in chunks, each normalised to E.164. */
async function* numbersFrom(args: readonly string[], flags: SuppressionFlags): AsyncGenerator<string[]> {
  if (args.length > 0) yield args.map((n, i) => toE164(n, `numbers[${i}]`, flags.country));
  if (!flags.file) {
    if (args.length === 0) throw new CampaignInputError([{ field: 'numbers', reason: 'give numbers as arguments or --file <numbers.csv>' }]);
    return;
  }
  const file = flags.file;
  const rows = createReadStream(file).pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true }));
  let column = -1;
  let line = 0;
  let chunk: string[] = [];
  try {
    for await (const row of rows as AsyncIterable<string[]>) {
      line++;
      if (column < 0) {
        column = row.findIndex((h) => h.trim() === flags.phoneColumn);
        if (column < 0)
          throw new CampaignInputError([{ field: 'file', reason: `${file} has no "${flags.phoneColumn}" column (its header: ${row.join(', ')}); pass --phone-column` }]);
        continue;
      }
      const value = row[column]?.trim() ?? '';
      if (value === '') continue;
      chunk.push(toE164(value, `file line ${line}`, flags.country));
      if (chunk.length >= ROWS_PER_WRITE) {
        yield chunk;
        chunk = [];
      }
    }
  } catch (err) {
    if (err instanceof CampaignInputError) throw err;
    throw new CampaignInputError([{ field: 'file', reason: `cannot read ${file}: ${(err as Error).message}` }]);
  }
  if (column < 0) throw new CampaignInputError([{ field: 'file', reason: `${file} is empty: it needs a header with a "${flags.phoneColumn}" column` }]);
  if (chunk.length > 0) yield chunk;
}

function formatRow(s: Suppression): string {
  return [s.list, s.phone, s.expiresAt ? `expires ${s.expiresAt}` : 'no expiry', s.note ?? ''].join('\t').trimEnd();
}
