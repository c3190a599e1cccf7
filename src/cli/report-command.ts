import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { campaignDir } from '../activities/campaign-files';
import { createFileOutcomeStore } from '../activities/outcome-store';
import { formatReport, writeReport, type ReportFormat } from '../activities/report';
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
    .description("write a campaign's outcomes, one row per dial-list entry, from the worker's data folder")
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
The outcomes are read from the worker's data folder (--data-dir / CONNECT_DIALER_DATA_DIR), so run
this where the worker writes them.`,
    )
    .action(async (flags: ReportFlags) => {
      const dataDir = resolve(configFrom(flags).CONNECT_DIALER_DATA_DIR);
      const campaignKey = campaignWorkflowId(flags.campaignId);
      if (!existsSync(campaignDir(dataDir, campaignKey))) {
        throw new CampaignInputError([
          { field: 'campaignId', reason: `no outcomes for campaign ${flags.campaignId} under ${dataDir}; pass the worker's --data-dir` },
        ]);
      }
      const store = createFileOutcomeStore(dataDir);
      if (flags.out) {
        const written = await writeReport(campaignKey, store, flags.out, flags.format);
        process.stderr.write(`Wrote ${written.records} outcomes to ${written.path}\n`);
        return;
      }
      for await (const chunk of formatReport(store.readAll(campaignKey), flags.format)) {
        if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
      }
    });
  return withConnectionOptions(command, ['CONNECT_DIALER_DATA_DIR']);
}
