import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LIST_LIMIT, type CampaignListing } from '../campaign-list';
import { campaignStatuses, type CampaignStatus } from '../domain/progress';
import { withCampaigns } from './campaigns';
import { configFrom, withConnectionOptions, type ConnectionFlags } from './options';
import { formatDuration } from './progress-view';

interface ListFlags extends ConnectionFlags {
  status?: CampaignStatus;
  json?: boolean;
  limit: number;
}

function limitArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError(`"${value}" is not a whole number from 1 to 10000`);
  return n;
}

/** 2026-12-03 16:40:12Z: sortable, and short enough for a table. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The table `list` prints: one campaign a line, columns padded to their widest cell. */
export function formatCampaignList(listings: CampaignListing[], now = Date.now()): string {
  if (listings.length === 0) return 'No campaigns.';
  const rows = [
    ['CAMPAIGN', 'STATUS', 'STARTED', 'ENDED', 'DURATION'],
    ...listings.map((l) => {
      const ended = l.endedAt ? Date.parse(l.endedAt) : now;
      return [l.campaignId, l.status, shortTime(l.startedAt), l.endedAt ? shortTime(l.endedAt) : '–', formatDuration(Math.max(0, ended - Date.parse(l.startedAt)) / 1000)];
    }),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((r) => r[column]!.length)));
  return rows.map((r) => r.map((cell, column) => (column === r.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

export function listCommand(): Command {
  const command = new Command('list')
    .description('list campaigns, newest first: running ones by start, ended ones by end (from Temporal visibility; no worker needed)')
    .addOption(new Option('--status <status>', 'only campaigns in this status').choices(campaignStatuses))
    .option('--json', 'print the campaigns as a JSON array')
    .addOption(new Option('--limit <n>', 'at most this many').argParser(limitArg).default(DEFAULT_LIST_LIMIT))
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer list
  $ connect-dialer list --status RUNNING
  $ connect-dialer list --status FAILED --json | jq -r '.[].campaignId'

STATUS is the campaign's (STAGING, RUNNING, PAUSED, CANCELLING, COMPLETED, FAILED, CANCELLED), or the
workflow's when it closed without one (TERMINATED, TIMED_OUT). Details: connect-dialer status --campaign-id <id>.`,
    )
    .action(async (flags: ListFlags) => {
      await withCampaigns(configFrom(flags), async (campaigns) => {
        const listings = await campaigns.list({ status: flags.status, limit: flags.limit });
        process.stdout.write((flags.json ? JSON.stringify(listings) : formatCampaignList(listings)) + '\n');
      });
    });
  return withConnectionOptions(command, ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE']);
}
