import { Command, Option } from 'commander';
import { checkDialList, type DialListCheck } from '../activities/dial-list-check';
import { CampaignInputError, parseSpec } from '../client';
import type { CampaignSpec } from '../domain/campaign';
import { openConfiguredStore } from '../storage/open-store';
import { ExitCode } from './exit-codes';
import { configFrom, withConnectionOptions, type ConnectionFlags } from './options';
import { campaignSpecFromFlags, withFlagHints, type CampaignFlags } from './spec-from-flags';
import { startCommand } from './start-command';

interface CheckFlags extends CampaignFlags, ConnectionFlags {
  json?: boolean;
}

/** Flags of `start` that mean nothing to a check (it starts nothing, waits for nothing, talks to neither Temporal nor Connect). */
const NOT_FOR_CHECK = new Set(['--wait', '--json', '--progress', '--address', '--namespace', '--task-queue', '--connect-endpoint', '--region']);

/**
 * `connect-dialer check`: reads a dial list with the campaign's flags and says what a start
 * would do with it, staging nothing and dialling nothing (docs/compliance.md).
 */
export function checkCommand(): Command {
  const command = new Command('check').description(
    'check a dial list before starting it: valid, rejected (by reason), suppressed, over their frequency cap, and per time zone when its calling window opens; stages and dials nothing',
  );
  for (const option of startCommand().options) if (!NOT_FOR_CHECK.has(option.long ?? '')) command.addOption(option);
  command
    .addOption(new Option('--json', 'print the counts as one JSON object (keys valid, rejected, suppressed, overCap, …)').helpGroup('Output:'))
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer check --file dial-list.csv --queue-id queue-1 --calling-hours 08:00-21:00 --calling-days MON-SAT
  $ connect-dialer check --config campaign.json --json | jq .suppressed

The list is read on this machine, with the rules the workers apply; the suppression lists come from the
campaign store (--database-url, or the embedded store in --data-dir). Exit 0 when some entry could be sent.`,
    )
    .action(async (flags: CheckFlags) => {
      process.exitCode = await runCheck(flags);
    });
  return withConnectionOptions(command, ['DATABASE_URL', 'CONNECT_DIALER_DATA_DIR']);
}

async function runCheck(flags: CheckFlags): Promise<number> {
  // A check needs no campaign id or instance: placeholders let the schema judge everything else.
  const input = await campaignSpecFromFlags(flags);
  let spec: CampaignSpec;
  try {
    spec = parseSpec({ ...input, campaignId: input.campaignId ?? 'check', instanceId: input.instanceId ?? 'check' });
  } catch (err) {
    throw err instanceof CampaignInputError ? withFlagHints(err) : err;
  }
  const { store, database } = await openConfiguredStore(configFrom(flags), { maxConnections: 2 });
  let found: DialListCheck;
  try {
    found = await checkDialList(spec, store, Date.now());
  } finally {
    await database.close();
  }
  process.stdout.write((flags.json ? JSON.stringify(found) : formatCheck(found)) + '\n');
  return found.valid > 0 ? ExitCode.ok : ExitCode.campaignNotCompleted;
}

function formatCheck(c: DialListCheck): string {
  const lines = [
    `${c.total} entries: ${c.valid} valid, ${c.rejected} rejected, ${c.suppressed} suppressed${c.overCap > 0 ? `; ${c.overCap} of the valid ones over their frequency cap now (they would wait)` : ''}`,
  ];
  for (const [reason, n] of Object.entries(c.rejectedBy).sort((a, b) => b[1] - a[1])) lines.push(`  rejected  ${String(n).padStart(7)}  ${reason}`);
  for (const [list, n] of Object.entries(c.suppressedBy).sort((a, b) => b[1] - a[1])) lines.push(`  suppressed ${String(n).padStart(6)}  list "${list}"`);
  if (c.zones) {
    lines.push('Calling window by time zone:');
    for (const [zone, z] of Object.entries(c.zones)) {
      const when =
        zone === 'unknown'
          ? 'waits: no time zone (set a TimeZone column or --default-time-zone)'
          : z.open
            ? `open now, until ${z.closesAt}`
            : z.opensAt
              ? `opens ${z.opensAt}`
              : 'does not open within 400 days';
      lines.push(`  ${zone.padEnd(28)} ${String(z.entries).padStart(7)}  ${when}`);
    }
  }
  return lines.join('\n');
}
