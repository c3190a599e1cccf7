import { Command, Option } from 'commander';
import { openConfiguredStore } from '../storage/open-store';
import { formatReport, writeReport, type ReportFormat } from '../storage/report';
import { CampaignInputError } from '../client';
import { campaignWorkflowId } from '../domain/campaign';
import { configFrom, withConnectionOptions, type ConnectionFlags } from './options';

interface ReportFlags extends ConnectionFlags {
  campaignId: string;
  format: ReportFormat;
  out?: string;
}

export function reportCommand(): Command {
  const command = new Command('report')
    .description("write a campaign's outcomes, one row per dial-list entry, from the campaign store")
    .requiredOption('--campaign-id <id>', 'the campaign')
    .addOption(new Option('--format <format>', 'report format').choices(['csv', 'jsonl']).default('csv'))
    .option('--out <path>', 'write the report to this file (stdout when absent)')
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer report --campaign-id spring-2025 --out spring-2025.csv
  $ connect-dialer report --campaign-id spring-2025 --format jsonl | jq 'select(.outcome == "FAILED")'

Columns (CSV): RequestIdentifier, Index, Outcome, ContactId, RelatedContactId, FailureCode, Field, Message.
The outcomes are read from the campaign store the workers use: DATABASE_URL (--database-url), or
the embedded store in --data-dir (while \`npm start\` runs, it serves that store to this command).`,
    )
    .action(async (flags: ReportFlags) => {
      const campaignKey = campaignWorkflowId(flags.campaignId);
      const { store, database } = await openConfiguredStore(configFrom(flags), { maxConnections: 2 });
      try {
        if (!(await store.stagingSummary(campaignKey))) {
          throw new CampaignInputError([
            {
              field: 'campaignId',
              reason: `campaign ${flags.campaignId} has no staged list in the ${database.description}; pass the store the workers use (--database-url or --data-dir)`,
            },
          ]);
        }
        if (flags.out) {
          const written = await writeReport(campaignKey, store, flags.out, flags.format);
          process.stderr.write(`Wrote ${written.records} outcomes to ${written.path}\n`);
          return;
        }
        // With call outcomes: the Disposition and Attempts columns.
        const calls = await store.hasCallResults(campaignKey);
        for await (const chunk of formatReport(store.outcomes(campaignKey, { calls }), flags.format, { calls })) {
          if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
        }
      } finally {
        await database.close();
      }
    });
  return withConnectionOptions(command, ['DATABASE_URL', 'CONNECT_DIALER_DATA_DIR']);
}
