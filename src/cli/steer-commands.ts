import { Command, InvalidArgumentError, Option } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/common';
import { CampaignInputError, CampaignStalledError, type CampaignClient } from '../client';
import { withCampaigns } from './campaigns';
import { formatClosedWithoutResult, formatProgress, formatResult } from './campaign-summary';
import { configFrom, withConnectionOptions, type ConnectionFlags } from './options';
import { attributeArg } from './spec-from-flags';
import { ExitCode } from './exit-codes';
import { watchStatus } from './status-watch';
import type { Progress } from '../domain/progress';

interface CampaignFlags extends ConnectionFlags {
  campaignId: string;
}

const temporalOnly = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'] as const;

/** A command about one campaign: `--campaign-id` plus the Temporal connection flags. */
function campaignCommand(name: string, description: string, examples: string[]): Command {
  const command = new Command(name)
    .description(description)
    .requiredOption('--campaign-id <id>', 'the campaign')
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ connect-dialer ${e}`).join('\n')}`);
  return withConnectionOptions(command, temporalOnly);
}

async function withCampaignsFrom<T>(flags: ConnectionFlags, use: (campaigns: CampaignClient) => Promise<T>): Promise<T> {
  return withCampaigns(configFrom(flags), use);
}

/**
 * Runs a steering call (`what`: "pause", …). Temporal answers a signal to a closed workflow
 * as "not found", which would tell the user the campaign does not exist: when it does, say
 * that it finished, how, and when (bad input: `campaignId: …`, exit 2).
 */
async function steer<T>(flags: CampaignFlags, what: string, use: (campaigns: CampaignClient) => Promise<T>): Promise<T> {
  return withCampaignsFrom(flags, async (campaigns) => {
    try {
      return await use(campaigns);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      throw (await finished(campaigns, flags.campaignId, what)) ?? err;
    }
  });
}

async function finished(campaigns: CampaignClient, campaignId: string, what: string): Promise<CampaignInputError | undefined> {
  const description = await campaigns
    .handle(campaignId)
    .describe()
    .catch(() => undefined);
  if (!description || description.status.name === 'RUNNING') return undefined;
  const workflowStatus = description.status.name;
  // The campaign's own status (a cancelled campaign's workflow completes) and reason, when it left a result.
  const result = workflowStatus === 'COMPLETED' || workflowStatus === 'FAILED' ? await campaigns.result(campaignId).catch(() => undefined) : undefined;
  const status = result ? result.status + (result.reason ? ` (${result.reason})` : '') : workflowStatus;
  const when = description.closeTime ? ` at ${description.closeTime.toISOString()}` : '';
  const reason = `campaign ${campaignId} has already finished: ${status}${when}; only a running campaign can be told to ${what}. See how it ended: connect-dialer status --campaign-id ${campaignId}`;
  return new CampaignInputError([{ field: 'campaignId', reason }]);
}

interface StatusFlags extends CampaignFlags {
  json?: boolean;
  watch?: boolean;
  interval: number;
}

export function statusCommand(): Command {
  return campaignCommand('status', 'show where a campaign stands: counts per outcome and failure code, or its result once ended', [
    'status --campaign-id spring-2025',
    'status --campaign-id spring-2025 --json | jq .outcomes',
    'status --campaign-id spring-2025 --watch',
  ])
    .option('--json', 'print the progress (or the result, once ended) as JSON')
    .addOption(
      new Option(
        '--watch',
        'keep a live table on screen (counts per outcome, rate, ETA, pace, batches in flight, retry lanes) until the campaign ends, then print its result',
      ).conflicts('json'),
    )
    .addOption(new Option('--interval <seconds>', 'with --watch: seconds between refreshes').argParser(intervalArg).default(1))
    .addHelpText(
      'after',
      `
--watch redraws the table in place on a terminal; when stdout is a pipe or a file it prints a new
table whenever the campaign moves. It ends when the campaign does (the result is printed, exit 0),
with exit 3 if the campaign stalls, and with 130 on Ctrl-C (the campaign carries on).`,
    )
    .action(async (flags: StatusFlags) => {
      await withCampaignsFrom(flags, async (campaigns) => {
        if (flags.watch) {
          const code = await watchStatus({ progress: () => runningProgress(campaigns, flags.campaignId) }, { intervalMs: flags.interval * 1000, stream: process.stdout });
          process.exitCode = code;
          if (code !== ExitCode.ok) return;
        }
        const description = await campaigns.handle(flags.campaignId).describe();
        if (description.status.name === 'RUNNING') {
          const progress = await runningProgress(campaigns, flags.campaignId);
          if (progress) {
            process.stdout.write((flags.json ? JSON.stringify(progress) : formatProgress(progress)) + '\n');
            return;
          }
        }
        if (description.status.name === 'COMPLETED' || description.status.name === 'FAILED' || description.status.name === 'RUNNING') {
          // An ended campaign answers from its result, which needs no worker.
          const result = await campaigns.result(flags.campaignId);
          process.stdout.write((flags.json ? JSON.stringify(result) : formatResult(result)) + '\n');
        } else if (flags.json) {
          process.stdout.write(JSON.stringify({ campaignId: flags.campaignId, status: description.status.name }) + '\n');
        } else {
          process.stdout.write(formatClosedWithoutResult(flags.campaignId, description) + '\n');
        }
      });
    });
}

/** The progress of a running campaign; undefined once it has ended. A stalled one throws: it answers no query. */
async function runningProgress(campaigns: CampaignClient, campaignId: string): Promise<Progress | undefined> {
  const description = await campaigns.handle(campaignId).describe();
  if (description.status.name !== 'RUNNING') return undefined;
  const stall = await campaigns.stall(campaignId);
  if (stall) throw new CampaignStalledError(campaignId, stall);
  return campaigns.progress(campaignId);
}

function intervalArg(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.2 || seconds > 3600) throw new InvalidArgumentError(`"${value}" is not a number of seconds from 0.2 to 3600`);
  return seconds;
}

export function pauseCommand(): Command {
  return campaignCommand('pause', 'pause a campaign: batches in flight finish, no new batch starts until resumed', ['pause --campaign-id spring-2025 --reason "agents at lunch"'])
    .option('--reason <text>', 'why (shown in status and the Temporal UI)')
    .action(async (flags: CampaignFlags & { reason?: string }) => {
      await steer(flags, 'pause', (c) => c.pause(flags.campaignId, flags.reason));
      process.stdout.write(`Pause sent to campaign ${flags.campaignId}.\n`);
    });
}

export function resumeCommand(): Command {
  return campaignCommand('resume', 'resume a paused campaign', ['resume --campaign-id spring-2025']).action(async (flags: CampaignFlags) => {
    await steer(flags, 'resume', (c) => c.resume(flags.campaignId));
    process.stdout.write(`Resume sent to campaign ${flags.campaignId}.\n`);
  });
}

export function cancelCommand(): Command {
  return campaignCommand('cancel', 'cancel a campaign gracefully: batches in flight finish and record their outcomes, the rest become CANCELLED', [
    'cancel --campaign-id spring-2025 --reason "wrong list"',
  ])
    .option('--reason <text>', 'why (kept in the result and the outcomes)')
    .action(async (flags: CampaignFlags & { reason?: string }) => {
      await steer(flags, 'cancel', (c) => c.cancel(flags.campaignId, flags.reason));
      process.stdout.write(`Cancel sent to campaign ${flags.campaignId}; it ends once the batches in flight finish.\n`);
    });
}

interface DeflectFlags extends CampaignFlags {
  requestId: string[];
  message?: string;
  attribute?: Record<string, string>;
  async?: boolean;
  json?: boolean;
}

export function deflectCommand(): Command {
  return campaignCommand('deflect', 'deflect contacts to SMS (StartOutboundChatContact) instead of, or after, the call', [
    'deflect --campaign-id spring-2025 --request-id c-17 --message "Reply YES to confirm your appointment"',
    'deflect --campaign-id spring-2025 --request-id c-17,c-18 --request-id c-19 --json',
  ])
    .addOption(new Option('--request-id <ids>', 'RequestIdentifier(s) of the entries; comma-separated and/or repeated').makeOptionMandatory().argParser(requestIdsArg))
    .option('--message <text>', "the SMS's first message (the campaign's chat message when absent)")
    .option('--attribute <key=value>', 'contact attribute for the chat (repeatable)', attributeArg)
    .option('--async', 'send a signal and return at once, without waiting for which ids were accepted')
    .option('--json', 'print the answer (accepted and refused ids) as JSON')
    .action(async (flags: DeflectFlags) => {
      const request = { requestIdentifiers: flags.requestId, message: flags.message, attributes: flags.attribute };
      await steer(flags, 'deflect', async (campaigns) => {
        if (flags.async) {
          await campaigns.deflectAsync(flags.campaignId, request);
          process.stdout.write(flags.json ? '{}\n' : `Deflection of ${flags.requestId.length} contact(s) sent to campaign ${flags.campaignId}.\n`);
          return;
        }
        const answer = await campaigns.deflect(flags.campaignId, request);
        if (flags.json) {
          process.stdout.write(JSON.stringify(answer) + '\n');
          return;
        }
        process.stdout.write(`Accepted ${answer.accepted.length} of ${flags.requestId.length}: ${answer.accepted.join(', ') || '(none)'}\n`);
        for (const r of answer.refused) process.stdout.write(`Refused ${r.requestIdentifier}: ${r.reason} (${r.detail})\n`);
      });
    });
}

function requestIdsArg(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}
