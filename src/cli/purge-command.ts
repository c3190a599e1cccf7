import { Command, Option } from 'commander';
import { parseRetentionDuration, purgeCampaign, purgeEndedBefore, PurgeRefusedError, temporalRunState } from '../campaign-retention';
import { CampaignInputError } from '../client';
import type { PurgedCampaign } from '../storage/contact-data-retention';
import { openConfiguredStore } from '../storage/open-store';
import { connectTemporalClient } from '../temporal-connection';
import { configFrom, withConnectionOptions, type ConnectionFlags } from './options';

interface PurgeFlags extends ConnectionFlags {
  campaignId?: string;
  endedBefore?: string;
  json?: boolean;
}

/**
 * `connect-dialer purge`: removes the contact data of ended campaigns from the campaign store
 * and keeps their ids, outcomes and counts (docs/compliance.md, "Retention").
 */
export function purgeCommand(): Command {
  const command = new Command('purge')
    .description("remove ended campaigns' contact data (numbers, attributes, SMS texts) from the campaign store; ids, outcomes and counts stay")
    .addOption(new Option('--campaign-id <id>', 'purge this campaign (refused while it runs)'))
    .addOption(new Option('--ended-before <duration>', 'purge every campaign that ended longer ago than this, e.g. 30d, 12h, 2w'))
    .addOption(new Option('--json', 'print what was purged as one JSON object'))
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer purge --campaign-id spring-2025
  $ connect-dialer purge --ended-before 90d --json

Temporal tells whether a campaign still runs (a running one is never purged); the report of a
purged campaign still lists every entry with its outcome, without its number. Suppression lists
are kept. Workers purge by themselves with CONNECT_DIALER_RETENTION_DAYS (docs/configuration.md).`,
    )
    .action(async (flags: PurgeFlags) => {
      if ((flags.campaignId === undefined) === (flags.endedBefore === undefined)) {
        throw new CampaignInputError([{ field: 'campaignId', reason: 'give either --campaign-id <id> or --ended-before <duration> (e.g. 30d)' }]);
      }
      let age: number | undefined;
      if (flags.endedBefore !== undefined) {
        try {
          age = parseRetentionDuration(flags.endedBefore);
        } catch (err) {
          throw new CampaignInputError([{ field: 'endedBefore', reason: `${(err as Error).message} (--ended-before)` }]);
        }
      }
      const config = configFrom(flags);
      const client = await connectTemporalClient(config);
      const { store, database } = await openConfiguredStore(config, { maxConnections: 2 });
      try {
        const runState = temporalRunState(client);
        let purged: PurgedCampaign[];
        let running: string[] = [];
        if (flags.campaignId !== undefined) {
          try {
            purged = [await purgeCampaign(store, flags.campaignId, runState)];
          } catch (err) {
            if (err instanceof PurgeRefusedError) throw new CampaignInputError([{ field: 'campaignId', reason: err.message }]);
            throw err;
          }
        } else {
          ({ purged, running } = await purgeEndedBefore(store, Date.now() - (age ?? 0), runState));
        }
        const campaignId = (key: string): string => key.replace(/^campaign-/, '');
        if (flags.json) {
          const out = {
            purged: purged.map((p) => ({ campaignId: campaignId(p.campaignKey), entries: p.entries, deflections: p.deflections })),
            stillRunning: running.map(campaignId),
          };
          process.stdout.write(JSON.stringify(out) + '\n');
          return;
        }
        for (const p of purged) process.stdout.write(`purged ${campaignId(p.campaignKey)}: ${p.entries} entries' numbers and attributes, ${p.deflections} SMS texts\n`);
        if (purged.length === 0) process.stdout.write('nothing to purge\n');
        for (const key of running) process.stdout.write(`kept ${campaignId(key)}: still running\n`);
      } finally {
        await database.close();
        await client.connection.close();
      }
    });
  return withConnectionOptions(command, ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DATABASE_URL', 'CONNECT_DIALER_DATA_DIR']);
}
