import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { openConfiguredStore } from '../storage/open-store';
import { writeReport } from '../storage/report';
import { campaignWorkflowId, type CampaignSpecInput } from '../domain/campaign';
import { progressModeFor, progressOption, waitWithProgress } from './campaign-wait';
import type { ProgressChoice } from './progress-view';
import { withCampaigns } from './campaigns';
import { formatResult } from './campaign-summary';
import { ExitCode } from './exit-codes';
import { exitOnNextInterrupt, untilInterrupted } from './interrupt';
import type { ConnectionFlags } from './options';
import { describeStack, startStackFromFlags, withStackOptions, type StackPortFlags } from './stack-commands';
import { steeringCommands } from './steering-hints';

const projectRoot = resolve(__dirname, '..', '..');
const DEMO_DIAL_LIST = join(projectRoot, 'examples', 'demo-dial-list.csv');

/** A share of entries the emulator answers REQUEST_THROTTLED, so the demo shows retries. */
const DEMO_THROTTLE_RATE = 0.15;

/** How the emulator's calls end, so the demo shows dispositions, redials and SMS after voicemail. */
const DEMO_CALLS = { ringMs: 2_000, outcomes: { HUMAN_ANSWERED: 0.5, VOICEMAIL: 0.15, NO_ANSWER: 0.25, BUSY: 0.1 } };

/** What the demo campaign does with its calls' outcomes (docs/call-outcomes.md). */
const DEMO_CALL_OUTCOMES = {
  redial: [{ dispositions: ['NO_ANSWER' as const, 'BUSY' as const], afterSeconds: 10, maxAttempts: 2 }],
  smsOn: ['VOICEMAIL' as const],
  settleWithinSeconds: 120,
};

interface DemoFlags extends StackPortFlags, ConnectionFlags {
  exitWhenDone?: boolean;
  progress: ProgressChoice;
}

export function demoCommand(): Command {
  const command = new Command('demo')
    .description('`npm start`: the dev stack plus a demo campaign of a few thousand contacts against a throttling emulator')
    .option('--exit-when-done', 'stop everything and exit when the demo campaign ends (exit 1 unless it COMPLETED)')
    .addOption(progressOption())
    .addHelpText(
      'after',
      `
Examples:
  $ npm start
  $ npx connect-dialer demo --exit-when-done
  $ npx connect-dialer demo --temporal-port 7300 --ui-port 8300 --emulator-port 8800

Each run starts a new campaign (demo-<timestamp>) from examples/demo-dial-list.csv; about 2% of its
entries are bad on purpose and end REJECTED, and the emulator throttles ${DEMO_THROTTLE_RATE * 100}% of entries.
The emulator then dials each contact: half answer, the rest go to voicemail (an SMS follows), ring out
or are busy (called once more ${DEMO_CALL_OUTCOMES.redial[0]?.afterSeconds ?? 0} s later); status and the result show the dispositions and redials.`,
    )
    .action(async (flags: DemoFlags) => {
      process.exitCode = await runDemo(flags);
    });
  return withStackOptions(command);
}

async function runDemo(flags: DemoFlags): Promise<number> {
  const say = (line: string): void => void process.stderr.write(line + '\n');
  const stack = await startStackFromFlags(flags, { emulator: { faults: { entryThrottleRate: DEMO_THROTTLE_RATE }, calls: DEMO_CALLS }, log: say });
  let interrupted = false;
  try {
    say(describeStack(stack));
    const campaignId = demoCampaignId();
    const reportPath = join(stack.dataDir, 'reports', `${campaignId}.csv`);
    const code = await withCampaigns(stack.config, async (campaigns) => {
      await campaigns.start(demoCampaign(campaignId));
      say(
        [
          '',
          `Demo campaign ${campaignId} started from ${DEMO_DIAL_LIST}`,
          `  Watch it in the UI:  ${stack.temporal.uiUrl}/namespaces/${stack.config.TEMPORAL_NAMESPACE}/workflows/${campaignWorkflowId(campaignId)}`,
          `  Report (at the end): ${reportPath}`,
          '  Steer it from another terminal:',
          ...steeringCommands(campaignId, stack.config, 'c-2990').map((c) => `    ${c}`),
          '',
        ].join('\n'),
      );
      const result = await waitWithProgress(campaigns, campaignId, {
        mode: progressModeFor({ progress: flags.progress }),
        onView: (view) => stack.setLog((line) => view.log(line)),
      });
      stack.setLog(say);
      if (!result) {
        interrupted = true;
        say(`Stopped before the campaign ended; it is kept in ${stack.dataDir} and carries on the next time the stack runs.`);
        return ExitCode.interrupted;
      }
      const { store, database } = await openConfiguredStore(stack.config, { maxConnections: 2 });
      const written = await writeReport(campaignWorkflowId(campaignId), store, reportPath, 'csv').finally(() => database.close());
      process.stdout.write(`${formatResult(result)}\nReport: ${written.path} (${written.records} rows)\n`);
      return result.status === 'COMPLETED' ? ExitCode.ok : ExitCode.campaignNotCompleted;
    });
    if (!flags.exitWhenDone && !interrupted) {
      say(`\nThe stack stays up for inspection (Temporal UI ${stack.temporal.uiUrl}); Ctrl-C stops everything.`);
      await untilInterrupted();
      return ExitCode.ok;
    }
    return code;
  } finally {
    exitOnNextInterrupt();
    say('Stopping the worker, the emulator and the Temporal dev server…');
    await stack.stop();
    say('Stopped.');
  }
}

/** A new id each run: client tokens are per campaign id, so a rerun must not reuse one. */
function demoCampaignId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `demo-${stamp}`;
}

function demoCampaign(campaignId: string): CampaignSpecInput {
  return {
    campaignId,
    instanceId: 'demo-instance',
    defaults: {
      QueueId: 'demo-queue',
      Campaign: { CampaignId: 'demo-outbound' },
      Attributes: { source: 'connect-dialer-demo' },
    },
    pacing: { batchSize: 25, batchesInFlight: 4, batchesPerSecond: 4 },
    chat: {
      sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/demo-sms',
      contactFlowId: 'demo-sms-flow',
      initialMessage: 'Hi! We tried to reach you by phone. Reply here whenever suits you.',
    },
    callOutcomes: DEMO_CALL_OUTCOMES,
    dialList: { kind: 'file', path: DEMO_DIAL_LIST },
  };
}
