import { Command } from 'commander';
import { codecServerCommand } from './cli/codec-server-command';
import { checkCommand } from './cli/check-command';
import { purgeCommand } from './cli/purge-command';
import { demoCommand } from './cli/demo';
import { exitCodeFor } from './cli/exit-codes';
import { listCommand } from './cli/list-command';
import { suppressionCommand } from './cli/suppression-command';
import { loadEnvFile } from './cli/options';
import { reportCommand } from './cli/report-command';
import { startCommand } from './cli/start-command';
import { devCommand, emulatorCommand, workerCommand } from './cli/stack-commands';
import { cancelCommand, deflectCommand, pauseCommand, resumeCommand, statusCommand } from './cli/steer-commands';

/** The `connect-dialer` command line: thin wiring over client.ts and the dev stack. */
export function buildProgram(): Command {
  const program = new Command('connect-dialer')
    .description('Durable outbound campaigns for Amazon Connect, orchestrated by Temporal.')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText(
      'after',
      `
Examples:
  $ npm start                                  # the whole stack and a demo campaign
  $ connect-dialer dev                         # the stack alone: Temporal + UI, Connect emulator, worker
  $ connect-dialer start --file list.csv --campaign-id spring-2025 --instance-id <instance> --queue-id <queue> --wait
  $ connect-dialer list --status RUNNING
  $ connect-dialer pause --campaign-id spring-2025 --reason "agents at lunch"
  $ connect-dialer report --campaign-id spring-2025 --out spring-2025.csv

Configuration: flags, else the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
TEMPORAL_API_KEY, TEMPORAL_TLS*, CONNECT_ENDPOINT, AWS_REGION, CONNECT_DIALER_DATA_DIR), else ./.env.
AWS credentials come from the SDK's default chain. Observability: CONNECT_DIALER_METRICS_PORT (worker
/metrics), CONNECT_DIALER_LOG_FORMAT (json|text), OTEL_EXPORTER_OTLP_ENDPOINT (traces over OTLP/HTTP).

Exit codes: 0 success · 1 the campaign ended FAILED or CANCELLED (start --wait), or a run-time error ·
2 bad usage or bad input (each problem on stderr as "field: reason") · 3 the campaign is stalled (its
workflow task keeps failing: status, start --wait) · 130 interrupted.`,
    );

  for (const command of [
    demoCommand(),
    devCommand(),
    emulatorCommand(),
    workerCommand(),
    startCommand(),
    listCommand(),
    statusCommand(),
    pauseCommand(),
    resumeCommand(),
    cancelCommand(),
    deflectCommand(),
    reportCommand(),
    codecServerCommand(),
    suppressionCommand(),
    checkCommand(),
    purgeCommand(),
  ]) {
    program.addCommand(command);
  }
  // Every command throws instead of exiting, so the exit code is decided in one place.
  for (const command of [program, ...program.commands]) command.exitOverride();
  return program;
}

function packageVersion(): string {
  // Resolved at run time: package.json is outside src/ (tsconfig's rootDir would object to an import).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../package.json') as { version: string }).version;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  loadEnvFile();
  // The pinned AWS SDK runs on Node 20; its notice about future releases needing Node 22 would
  // only interleave with progress output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return exitCodeFor(err);
  }
}

/** Runs the command line and exits with its code once stdout is flushed. */
export function run(argv: string[] = process.argv): void {
  // `connect-dialer report … | head`: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  void main(argv).then((code) => {
    // Lingering handles (gRPC channels, timers) must not keep a finished command alive.
    process.stdout.write('', () => process.exit(code));
  });
}

if (require.main === module) run();
