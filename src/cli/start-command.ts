import { Command, Option } from 'commander';
import { AccessDeniedException, GetCampaignStateCommand, ResourceNotFoundException } from '@aws-sdk/client-connectcampaignsv2';
import type { Config } from '../config';
import { createCampaignsV2Client } from '../connect-client';
import { peekCsvHeader } from '../dial-list/dial-list-reader';
import { CampaignInputError, parseSpec } from '../client';
import { dialListEncodings, formatFromPath, hasQueueOrSystemEndpoint, phoneChecks, submissionApis, type CampaignSpec, type CampaignSpecInput } from '../domain/campaign';
import { parseDialListInvalidReason } from '../domain/failure-types';
import type { CampaignResult } from '../domain/progress';
import { withCallingRuleOptions } from './calling-rule-flags';
import { progressModeFor, progressOption, waitWithProgress } from './campaign-wait';
import type { ProgressChoice } from './progress-view';
import { withCampaigns } from './campaigns';
import { formatResult } from './campaign-summary';
import { ExitCode } from './exit-codes';
import { configFrom, numberArg, withConnectionOptions, type ConnectionFlags } from './options';
import { attributeArg, campaignSpecFromFlags, withFlagHints, type CampaignFlags } from './spec-from-flags';

interface StartFlags extends CampaignFlags, ConnectionFlags {
  wait?: boolean;
  json?: boolean;
  progress: ProgressChoice;
}

export function startCommand(): Command {
  const command = new Command('start')
    .description('start a campaign from a dial list (CSV, JSON or JSONL) or a campaign JSON file')
    .addOption(new Option('--campaign-id <id>', 'the campaign id; a rerun needs a new one (client tokens are per campaign id)').helpGroup('Campaign:'))
    .addOption(
      new Option(
        '--instance-id <id>',
        'the Amazon Connect instance id: BatchPutContact and SMS deflection (--chat-*) name it; a v2 campaign (--v2-campaign-id) without SMS deflection needs none',
      ).helpGroup('Campaign:'),
    )
    .addOption(
      new Option(
        '--api <api>',
        'the Connect API that takes the contacts: batch-put-contact (default; in AWS only the Outbound Campaigns service principal may call it) or outbound-campaigns-v2 (PutOutboundRequestBatch on an existing v2 campaign, callable by your own account; no QueueId: the v2 campaign routes the calls)',
      )
        .choices(submissionApis)
        .helpGroup('Campaign:'),
    )
    .addOption(new Option('--v2-campaign-id <id>', 'the Outbound Campaigns v2 campaign the requests go to (implies --api outbound-campaigns-v2)').helpGroup('Campaign:'))
    .addOption(
      new Option('--request-ttl <seconds>', 'v2: how long Connect keeps a request it has not dialled (expirationTime), default 86400').argParser(numberArg).helpGroup('Campaign:'),
    )
    .addOption(new Option('--ring-timeout <seconds>', 'v2: seconds a call rings, 15-60').argParser(numberArg).helpGroup('Campaign:'))
    .addOption(new Option('--config <campaign.json>', 'take the whole campaign from a JSON file; other flags override it').helpGroup('Campaign:'))
    .addOption(new Option('--file <path>', 'the dial list: .csv, .json (AWS CLI --contact-data-request-list) or .jsonl').helpGroup('Dial list:'))
    .addOption(new Option('--format <format>', 'csv, json or jsonl, when the extension does not say').helpGroup('Dial list:'))
    .addOption(
      new Option('--encoding <encoding>', "the file's encoding: utf8 (default; a byte that is not UTF-8 fails the list, naming its line) or latin1 (read as Windows-1252)")
        .choices(dialListEncodings)
        .helpGroup('Dial list:'),
    )
    .addOption(new Option('--phone-column <name>', 'CSV column with the number to dial (default PhoneNumber)').helpGroup('Dial list:'))
    .addOption(new Option('--id-column <name>', 'CSV column with the RequestIdentifier (default RequestIdentifier)').helpGroup('Dial list:'))
    .addOption(new Option('--queue-column <name>', 'CSV column with a per-entry QueueId (default QueueId)').helpGroup('Dial list:'))
    .addOption(
      new Option(
        '--phone-check <rule>',
        'possible (default): E.164 with a length numbers of its country can have, what Connect accepts; valid: also in the numbering plan libphonenumber knows, which refuses numbers Connect would dial (a new area code)',
      )
        .choices(phoneChecks)
        .helpGroup('Dial list:'),
    )
    .addOption(new Option('--queue-id <id>', 'QueueId for entries without their own').helpGroup('Contact defaults:'))
    .addOption(new Option('--system-phone <e164>', 'SystemEndpoint: the TELEPHONE_NUMBER calls come from').helpGroup('Contact defaults:'))
    .addOption(new Option('--campaign <id>', 'Campaign.CampaignId (Amazon Connect outbound campaign)').helpGroup('Contact defaults:'))
    .addOption(new Option('--agent-first', 'OutboundStrategy AGENT_FIRST').helpGroup('Contact defaults:'))
    .addOption(new Option('--preview-timeout <seconds>', 'AGENT_FIRST preview: PostAcceptTimeoutConfig.DurationInSeconds').argParser(numberArg).helpGroup('Contact defaults:'))
    .addOption(new Option('--allowed-actions <list>', 'AGENT_FIRST preview: AllowedUserActions, e.g. CALL,DISCARD').helpGroup('Contact defaults:'))
    .addOption(new Option('--attribute <key=value>', 'contact attribute for every entry (repeatable)').argParser(attributeArg).helpGroup('Contact defaults:'))
    .addOption(new Option('--batch-size <n>', 'entries per BatchPutContact call, 1-25 (default 25)').argParser(numberArg).helpGroup('Pacing:'))
    .addOption(
      new Option('--in-flight <n>', 'BatchPutContact calls in flight at once, 1-100 (default 4); given alone, no more are scheduled ahead')
        .argParser(numberArg)
        .helpGroup('Pacing:'),
    )
    .addOption(
      new Option(
        '--schedule-ahead <seconds>',
        "seconds of the workers' shared Connect rate kept scheduled, at least --in-flight and at most 100 batches, 0-60 (default 6, or 0 with --in-flight)",
      )
        .argParser(numberArg)
        .helpGroup('Pacing:'),
    )
    .addOption(
      new Option('--rate <per-second>', 'BatchPutContact calls per second, on average (up to a second of calls may start together)').argParser(numberArg).helpGroup('Pacing:'),
    )
    .addOption(new Option('--no-adaptive', 'keep the pace when Connect throttles (adaptive pacing is on by default)').helpGroup('Pacing:'))
    .addOption(new Option('--chat-source-arn <arn>', 'phone number ARN the SMS comes from (enables deflection)').helpGroup('SMS deflection:'))
    .addOption(new Option('--chat-flow-id <id>', 'contact flow for deflected chats').helpGroup('SMS deflection:'))
    .addOption(new Option('--chat-message <text>', 'first message of a deflected chat').helpGroup('SMS deflection:'));
  withCallingRuleOptions(command);
  command
    .addOption(new Option('--wait', 'show progress and wait for the result (exit 1 if it ends FAILED or CANCELLED)').helpGroup('Output:'))
    .addOption(new Option('--json', 'print the result (or, without --wait, the started campaign) as JSON on stdout, and nothing else there').helpGroup('Output:'))
    .addOption(progressOption().helpGroup('Output:'))
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer start --file examples/demo-dial-list.csv --campaign-id spring-2025 \\
      --instance-id 11111111-2222-3333-4444-555555555555 --queue-id queue-1 --wait
  $ connect-dialer start --config examples/campaign.json --campaign-id spring-2025-b --wait --json > result.json
  $ connect-dialer start --file examples/aws-cli-contacts.json --campaign-id vip-1 --instance-id inst-1 \\
      --campaign cmp-1 --agent-first --preview-timeout 30 --allowed-actions CALL,DISCARD \\
      --attribute source=cli --batch-size 10 --in-flight 2 --rate 5 \\
      --chat-source-arn arn:aws:connect:us-east-1:123456789012:phone-number/abc --chat-flow-id flow-1
  $ connect-dialer start --file examples/demo-dial-list.csv --campaign-id spring-v2 \\
      --v2-campaign-id 4f1c2d3e-aaaa-bbbb-cccc-0123456789ab --request-ttl 3600 --wait

With --api outbound-campaigns-v2 each entry becomes one dial request of the v2 campaign; its RequestIdentifier
and attributes go into the request's attributes, QueueId is not used, and the report's contactId column holds
the dial request id. While the v2 campaign is not running the campaign pauses itself and resumes when it runs.

The campaign is checked before it starts; each problem is printed as "field: reason" and the exit code is 2.
That includes a campaign no entry could be sent for: no --queue-id or --system-phone, and a CSV without a
QueueId column (or an inline list whose entries carry none).
The dial-list path is read by the worker, so it must be visible on the worker's machine. With --wait, a list
the worker cannot read at all (not found, empty, no phone column, not UTF-8) also exits 2 with
"dialList.<field>: reason" on stderr (the result still goes to stdout). A bad row never fails the list:
it is REJECTED with its line and reason, and every good row is sent.`,
    )
    .action(async (flags: StartFlags, cmd: Command) => {
      // --no-adaptive defaults to true; only an explicit flag overrides the campaign's setting.
      const adaptive = cmd.getOptionValueSource('adaptive') === 'cli' ? flags.adaptive : undefined;
      process.exitCode = await runStart({ ...flags, adaptive });
    });
  // Connect settings too: a v2 campaign is checked with GetCampaignState before it starts.
  return withConnectionOptions(command, ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'CONNECT_ENDPOINT', 'AWS_REGION']);
}

async function runStart(flags: StartFlags): Promise<number> {
  // Checked before connecting, so bad input is reported even when Temporal is down.
  const input = await campaignSpecFromFlags(flags);
  const spec = specOrHints(input);
  await refuseListWithoutQueue(spec);
  const config = configFrom(flags);
  refuseUnaskedBatchPutContact(input, spec, config);
  if (spec.submission.api === 'outbound-campaigns-v2') await refuseMissingV2Campaign(spec.submission.campaignId, config);
  return withCampaigns(config, async (campaigns) => {
    const started = await campaigns.start(spec);
    const note = (line: string): void => {
      if (!flags.json) process.stderr.write(line + '\n');
    };
    if (!flags.wait) {
      if (flags.json) process.stdout.write(JSON.stringify(started) + '\n');
      else {
        process.stdout.write(`${started.alreadyRunning ? 'Already running' : 'Started'}: campaign ${started.campaignId} (workflow ${started.workflowId}, run ${started.runId})\n`);
        process.stdout.write(`Follow it:   connect-dialer status --campaign-id ${started.campaignId}\n`);
      }
      return ExitCode.ok;
    }
    note(`${started.alreadyRunning ? 'Attached to running' : 'Started'} campaign ${started.campaignId} (workflow ${started.workflowId}); Ctrl-C stops watching, not the campaign.`);
    const result = await waitWithProgress(campaigns, started.campaignId, { mode: progressModeFor(flags) });
    if (!result) {
      process.stderr.write(`Stopped watching; campaign ${started.campaignId} keeps running. Follow it: connect-dialer status --campaign-id ${started.campaignId}\n`);
      return ExitCode.interrupted;
    }
    process.stdout.write((flags.json ? JSON.stringify(result) : formatResult(result)) + '\n');
    // A list the worker could not read is bad input like any other: exit 2 with its field (main prints it).
    const unreadable = unreadableDialList(result);
    if (unreadable) throw withFlagHints(unreadable);
    return result.status === 'COMPLETED' ? ExitCode.ok : ExitCode.campaignNotCompleted;
  });
}

function unreadableDialList(result: CampaignResult): CampaignInputError | undefined {
  // Staging never finished, so no entry was counted.
  if (result.status !== 'FAILED' || result.total !== 0 || !result.reason) return undefined;
  const problem = parseDialListInvalidReason(result.reason);
  return problem && new CampaignInputError([{ field: `dialList.${problem.field}`, reason: problem.message }]);
}

/**
 * Refuses a BatchPutContact campaign against real AWS (no CONNECT_ENDPOINT) unless it asked for
 * that API by name (--api batch-put-contact, or submission.api in --config): in AWS only the
 * Outbound Campaigns service principal may call BatchPutContact, so a campaign that got it as the
 * default would fail its first batch with AccessDeniedException. The emulator takes it from anyone.
 */
function refuseUnaskedBatchPutContact(input: CampaignSpecInput, spec: CampaignSpec, config: Config): void {
  if (config.CONNECT_ENDPOINT !== undefined || spec.submission.api !== 'batch-put-contact' || input.submission?.api === 'batch-put-contact') return;
  throw new CampaignInputError([
    {
      field: 'submission.api',
      reason:
        `against AWS ${config.AWS_REGION} (no CONNECT_ENDPOINT) BatchPutContact, the default API, is reserved to the Amazon Connect Outbound Campaigns ` +
        'service principal, so this campaign would fail its first batch with AccessDeniedException. Send it through an Outbound Campaigns v2 campaign ' +
        'with --v2-campaign-id <id> (docs/operations.md, "Which Connect API?"), or pass --api batch-put-contact if your principal may call it',
    },
  ]);
}

/**
 * Refuses a campaign whose Outbound Campaigns v2 campaign does not exist (or may not be read),
 * asking GetCampaignState before anything starts. Its state itself does not matter here: a
 * campaign that is not running yet pauses the connect-dialer campaign until it runs.
 */
async function refuseMissingV2Campaign(v2CampaignId: string, config: Config): Promise<void> {
  // Outside any activity: the SDK's own retries (3 tries) ride out a blip here.
  const client = createCampaignsV2Client(config, { maxAttempts: 3 });
  try {
    await client.send(new GetCampaignStateCommand({ id: v2CampaignId }));
  } catch (err) {
    const where = config.CONNECT_ENDPOINT ?? `AWS ${config.AWS_REGION}`;
    if (err instanceof ResourceNotFoundException) {
      throw new CampaignInputError([
        {
          field: 'submission.campaignId',
          reason: `no Outbound Campaigns v2 campaign "${v2CampaignId}" in ${where}: create it (Amazon Connect console, Outbound campaigns) or check --v2-campaign-id and --region`,
        },
      ]);
    }
    if (err instanceof AccessDeniedException) {
      throw new CampaignInputError([
        {
          field: 'submission.campaignId',
          reason: `not allowed to read v2 campaign "${v2CampaignId}" in ${where} (${err.message}): grant connect-campaigns:GetCampaignState and connect-campaigns:PutOutboundRequestBatch (docs/operations.md, "Which Connect API?")`,
        },
      ]);
    }
    throw err;
  } finally {
    client.destroy();
  }
}

/**
 * Refuses, before anything starts, a CSV list none of whose entries could be sent: no QueueId
 * or SystemEndpoint default and no QueueId column. The header is all it takes, when this
 * machine can read the file. JSON and JSONL entries may each carry their own, so only the
 * worker can tell (the campaign then ends with the common reason); inline lists are checked
 * by the campaign schema.
 */
async function refuseListWithoutQueue(spec: CampaignSpec): Promise<void> {
  const list = spec.dialList;
  if (spec.submission.api !== 'batch-put-contact' || list.kind !== 'file' || hasQueueOrSystemEndpoint(spec.defaults) || (list.format ?? formatFromPath(list.path)) !== 'csv')
    return;
  const header = await peekCsvHeader(list);
  if (!header || header.queueId >= 0) return;
  const reason = `neither QueueId nor SystemEndpoint is set as a campaign default, and the dial list has no "${list.columns.queueId}" column: every entry would be REJECTED (Connect needs one of them per contact)`;
  throw withFlagHints(new CampaignInputError([{ field: 'defaults.QueueId', reason }]));
}

function specOrHints(input: CampaignSpecInput): CampaignSpec {
  try {
    return parseSpec(input);
  } catch (err) {
    throw err instanceof CampaignInputError ? withFlagHints(err) : err;
  }
}
