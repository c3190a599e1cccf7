import { Command, InvalidArgumentError, Option } from 'commander';
import type { CallOutcome, FaultConfig, RateLimit } from '../emulator';
import type { DevStack, DevStackOptions } from './dev-stack';
import { exitOnNextInterrupt, untilInterrupted } from './interrupt';
import { configFrom, numberArg, portArg, withConnectionOptions, type ConnectionFlags } from './options';
import { DEFAULT_CODEC_PORT, DEFAULT_EMULATOR_PORT, DEFAULT_METRICS_PORT, DEFAULT_TEMPORAL_PORT, DEFAULT_UI_PORT } from './stack-defaults';
import { cliConnectionArgs } from './steering-hints';
import { logFormats, type LogFormat } from '../telemetry/log-lines';

export interface StackPortFlags {
  host: string;
  temporalPort: number;
  uiPort: number;
  emulatorPort: number;
  metricsPort: number;
  codecPort: number;
}

/** The flags of `dev` and `demo`: where the stack listens. */
export function withStackOptions(command: Command): Command {
  command
    .addOption(new Option('--temporal-port <port>', 'Temporal gRPC port').argParser(portArg).default(DEFAULT_TEMPORAL_PORT).helpGroup('Stack options:'))
    .addOption(new Option('--ui-port <port>', 'Temporal Web UI port').argParser(portArg).default(DEFAULT_UI_PORT).helpGroup('Stack options:'))
    .addOption(new Option('--emulator-port <port>', 'Connect emulator port').argParser(portArg).default(DEFAULT_EMULATOR_PORT).helpGroup('Stack options:'))
    .addOption(new Option('--metrics-port <port>', "the worker's Prometheus metrics port (/metrics)").argParser(portArg).default(DEFAULT_METRICS_PORT).helpGroup('Stack options:'))
    .addOption(
      new Option('--codec-port <port>', 'the codec server the Web UI decodes through (only with CONNECT_DIALER_ENCRYPTION_KEY)')
        .argParser(portArg)
        .default(DEFAULT_CODEC_PORT)
        .helpGroup('Stack options:'),
    )
    .addOption(new Option('--host <ip>', 'interface everything listens on').default('127.0.0.1').helpGroup('Stack options:'));
  return withConnectionOptions(command, ['TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'AWS_REGION', 'CONNECT_DIALER_DATA_DIR']);
}

/** Starts the dev stack where the `dev`/`demo` flags say (loaded on demand: the worker and the emulator are heavy). */
export async function startStackFromFlags(flags: StackPortFlags & ConnectionFlags, extra: Pick<DevStackOptions, 'emulator' | 'log'>): Promise<DevStack> {
  const { startDevStack } = await import('./dev-stack');
  return startDevStack({
    config: configFrom(flags),
    host: flags.host,
    temporalPort: flags.temporalPort,
    uiPort: flags.uiPort,
    emulatorPort: flags.emulatorPort,
    metricsPort: flags.metricsPort,
    codecPort: flags.codecPort,
    ...extra,
  });
}

/** The stack's addresses and how to use it, printed once everything answers. */
export function describeStack(stack: DevStack): string {
  const startArgs = cliConnectionArgs(stack.config, { taskQueue: true });
  const args = cliConnectionArgs(stack.config, { taskQueue: false });
  return [
    'connect-dialer dev stack is up:',
    `  Temporal          ${stack.temporal.address} (namespace ${stack.config.TEMPORAL_NAMESPACE})`,
    `  Temporal Web UI   ${stack.temporal.uiUrl}`,
    `  Connect emulator  ${stack.emulator.url} (it dials each contact; contact events on ${stack.emulator.contactEventsQueueUrl})`,
    `  Worker            task queue ${stack.config.TEMPORAL_TASK_QUEUE}, Connect calls at ${stack.config.CONNECT_BATCH_PUT_CONTACT_RATE}/s for all workers`,
    `  Campaign store    ${stack.storeDescription}`,
    `  Metrics           ${stack.metricsUrl}`,
    ...(stack.codecUrl
      ? [`  Codec server      ${stack.codecUrl} (payloads are encrypted: in the Web UI, Settings → Codec Server endpoint = this URL)`]
      : ['  Payloads          in clear (set CONNECT_DIALER_ENCRYPTION_KEY to encrypt them: docs/privacy.md)']),
    '',
    'From another terminal:',
    `  npx connect-dialer start${startArgs} --file examples/demo-dial-list.csv --campaign-id my-campaign-1 --instance-id demo-instance --queue-id queue-1 --wait`,
    `  npx connect-dialer status${args} --campaign-id my-campaign-1`,
  ].join('\n');
}

export function devCommand(): Command {
  const command = new Command('dev')
    .description('run the local stack: Temporal dev server with its Web UI, the Connect emulator and a worker, until Ctrl-C')
    .option('--exit-after-ready', 'stop everything and exit as soon as it all answers (for scripts and checks)')
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer dev
  $ connect-dialer dev --temporal-port 7300 --ui-port 8300 --emulator-port 8800

Temporal keeps its state in <data-dir>/temporal.db, so campaigns survive a restart.`,
    )
    .action(async (flags: StackPortFlags & ConnectionFlags & { exitAfterReady?: boolean }) => {
      const stack = await startStackFromFlags(flags, { log: (line) => process.stderr.write(line + '\n') });
      process.stdout.write(describeStack(stack) + '\n');
      if (!flags.exitAfterReady) {
        process.stdout.write('\nCtrl-C stops everything.\n');
        // A stack whose worker failed is half a stack: it stops, and the command fails with the reason.
        await Promise.race([
          untilInterrupted(),
          stack.workerFailed.catch(async (err: unknown) => {
            await stack.stop();
            throw err;
          }),
        ]);
      }
      exitOnNextInterrupt();
      process.stderr.write('Stopping the worker, the emulator and the Temporal dev server…\n');
      await stack.stop();
      process.stderr.write('Stopped.\n');
    });
  return withStackOptions(command);
}

interface EmulatorFlags {
  port: number;
  host: string;
  region: string;
  latencyMs?: number;
  rate?: number;
  burst?: number;
  chatRate?: number;
  chatBurst?: number;
  chatConcurrency?: number;
  throttleRate?: number;
  internalErrorRate?: number;
  callErrorRate?: number;
  seed?: number;
  quiet?: boolean;
  ringSeconds?: number;
  callOutcomes?: Partial<Record<CallOutcome, number>>;
}

const CALL_OUTCOMES: readonly CallOutcome[] = ['HUMAN_ANSWERED', 'VOICEMAIL', 'NO_ANSWER', 'BUSY', 'INVALID_NUMBER', 'NOT_DIALLED'];

/** `HUMAN_ANSWERED=0.4,VOICEMAIL=0.2,…`: the weights the emulator draws each call's outcome from. */
function callOutcomesArg(value: string): Partial<Record<CallOutcome, number>> {
  const weights: Partial<Record<CallOutcome, number>> = {};
  for (const part of value.split(',')) {
    const [name = '', weight = ''] = part.split('=');
    const outcome = CALL_OUTCOMES.find((o) => o === name.trim());
    const n = Number(weight);
    if (outcome === undefined) throw new InvalidArgumentError(`${name.trim() || '(empty)'} is not one of ${CALL_OUTCOMES.join(', ')}`);
    if (weight.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${outcome}'s weight must be a number >= 0, not "${weight}"`);
    weights[outcome] = n;
  }
  return weights;
}

/** An emulator flag, also read from its CONNECT_EMULATOR_* variable. */
function emulatorOption(flag: string, help: string, env: string, group: string): Option {
  return new Option(flag, help).env(env).argParser(numberArg).helpGroup(group);
}

export function emulatorCommand(): Command {
  return new Command('emulator')
    .description('run the Amazon Connect emulator alone (BatchPutContact, StartOutboundChatContact; SigV4-checked)')
    .addOption(new Option('--port <port>', 'port to listen on (0: a free one)').env('CONNECT_EMULATOR_PORT').argParser(portArg).default(DEFAULT_EMULATOR_PORT))
    .addOption(new Option('--host <ip>', 'interface to listen on').env('CONNECT_EMULATOR_HOST').default('127.0.0.1'))
    .addOption(new Option('--region <region>', 'Region requests must be signed for').env('CONNECT_EMULATOR_REGION').default('us-east-1'))
    .addOption(new Option('--quiet', 'log nothing but the URL').env('CONNECT_EMULATOR_QUIET'))
    .addOption(emulatorOption('--latency-ms <ms>', 'added to every Connect call', 'CONNECT_EMULATOR_LATENCY_MS', 'Behaviour:'))
    .addOption(emulatorOption('--rate <per-second>', 'BatchPutContact calls per second before 429 LimitExceededException', 'CONNECT_EMULATOR_RATE', 'Behaviour:'))
    .addOption(emulatorOption('--burst <calls>', 'BatchPutContact burst (default: the rate)', 'CONNECT_EMULATOR_BURST', 'Behaviour:'))
    .addOption(emulatorOption('--chat-rate <per-second>', 'StartOutboundChatContact calls per second', 'CONNECT_EMULATOR_CHAT_RATE', 'Behaviour:'))
    .addOption(emulatorOption('--chat-burst <calls>', 'StartOutboundChatContact burst', 'CONNECT_EMULATOR_CHAT_BURST', 'Behaviour:'))
    .addOption(emulatorOption('--chat-concurrency <n>', 'concurrent active chats', 'CONNECT_EMULATOR_CHAT_CONCURRENCY', 'Behaviour:'))
    .addOption(emulatorOption('--throttle-rate <share>', 'share of entries answered REQUEST_THROTTLED, 0-1', 'CONNECT_EMULATOR_THROTTLE_RATE', 'Faults:'))
    .addOption(emulatorOption('--internal-error-rate <share>', 'share of entries answered INTERNAL_ERROR, 0-1', 'CONNECT_EMULATOR_INTERNAL_ERROR_RATE', 'Faults:'))
    .addOption(emulatorOption('--call-error-rate <share>', 'share of calls answered 500 InternalServiceException, 0-1', 'CONNECT_EMULATOR_CALL_ERROR_RATE', 'Faults:'))
    .addOption(emulatorOption('--seed <n>', 'seed for the fault rates, for repeatable runs', 'CONNECT_EMULATOR_SEED', 'Faults:'))
    .addOption(
      emulatorOption(
        '--ring-seconds <s>',
        'simulate calls: each created contact rings this long, then its contact events go to the SQS queue',
        'CONNECT_EMULATOR_RING_SECONDS',
        'Calls:',
      ),
    )
    .addOption(
      new Option('--call-outcomes <weights>', 'simulate calls with these outcome weights, e.g. HUMAN_ANSWERED=0.4,VOICEMAIL=0.2,NO_ANSWER=0.3,BUSY=0.1')
        .env('CONNECT_EMULATOR_CALL_OUTCOMES')
        .argParser(callOutcomesArg)
        .helpGroup('Calls:'),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer emulator
  $ connect-dialer emulator --port 8800 --throttle-rate 0.15 --rate 10 --burst 15
  $ CONNECT_ENDPOINT=http://127.0.0.1:${DEFAULT_EMULATOR_PORT} connect-dialer worker

It accepts SigV4 requests signed with access key "test" and secret "test" (the worker uses them for a local endpoint).
Admin endpoints: GET /_emulator/contacts, GET /_emulator/stats, POST /_emulator/faults, POST /_emulator/config, POST /_emulator/reset.`,
    )
    .action(async (flags: EmulatorFlags) => {
      const limit = (perSecond?: number, burst?: number): RateLimit | undefined => (perSecond === undefined ? undefined : { perSecond, burst: burst ?? Math.max(1, perSecond) });
      const batchPutContact = limit(flags.rate, flags.burst);
      const outboundChat = limit(flags.chatRate, flags.chatBurst);
      const faults: FaultConfig = {
        entryThrottleRate: flags.throttleRate,
        entryInternalErrorRate: flags.internalErrorRate,
        callInternalErrorRate: flags.callErrorRate,
        chatConcurrencyLimit: flags.chatConcurrency,
        seed: flags.seed,
      };
      const { startEmulator } = await import('../emulator');
      const emulator = await startEmulator({
        port: flags.port,
        host: flags.host,
        region: flags.region,
        latencyMs: flags.latencyMs,
        rate: batchPutContact || outboundChat ? { batchPutContact, outboundChat } : undefined,
        faults: Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)),
        ...((flags.ringSeconds !== undefined || flags.callOutcomes !== undefined) && {
          calls: {
            ringMs: Math.round((flags.ringSeconds ?? 1) * 1000),
            ...(flags.callOutcomes && { outcomes: flags.callOutcomes }),
            ...(flags.seed !== undefined && { seed: flags.seed }),
          },
        }),
        quiet: flags.quiet === true,
      });
      process.stdout.write(`Connect emulator listening on ${emulator.url} (region ${flags.region}; admin at ${emulator.url}/_emulator/stats)\n`);
      process.stdout.write(`Point a worker at it: CONNECT_ENDPOINT=${emulator.url} connect-dialer worker\nCtrl-C stops it.\n`);
      if (flags.ringSeconds !== undefined || flags.callOutcomes !== undefined) {
        process.stdout.write(`Contact events: CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL=${emulator.contactEventsQueueUrl}\n`);
      }
      await untilInterrupted();
      exitOnNextInterrupt();
      await emulator.stop();
    });
}

interface WorkerFlags extends ConnectionFlags {
  metricsPort?: number;
  logFormat?: LogFormat;
}

export function workerCommand(): Command {
  const command = new Command('worker')
    .description('run a campaign worker: polls the task queue, calls Amazon Connect, writes outcomes (production use)')
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer worker --address temporal.internal:7233 --namespace dialer --task-queue connect-dialer --region eu-west-2
  $ TEMPORAL_ADDRESS=my-ns.a1b2c.tmprl.cloud:7233 TEMPORAL_NAMESPACE=my-ns.a1b2c TEMPORAL_API_KEY=… connect-dialer worker
  $ connect-dialer worker --metrics-port 9464 --log-format json

Metrics: --metrics-port serves Prometheus metrics at http://<host>:<port>/metrics (the SDK's temporal_*
and the product's connect_dialer_*); CONNECT_DIALER_METRICS_HOST picks the interface (default 0.0.0.0).
Traces: set OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://otel-collector:4318) to export spans with OTLP/HTTP.

AWS credentials come from the SDK's default chain (environment, profile, SSO, instance or task role).
TLS: TEMPORAL_API_KEY (Temporal Cloud), or TEMPORAL_TLS=true, or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY for mTLS.
SIGINT/SIGTERM stop it gracefully.`,
    )
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics on this port at /metrics [env CONNECT_DIALER_METRICS_PORT]').argParser(portArg))
    .addOption(
      new Option('--log-format <format>', 'json: one JSON object a line; text (default on a terminal, json otherwise) [env CONNECT_DIALER_LOG_FORMAT]').choices(logFormats),
    )
    .action(async (flags: WorkerFlags) => {
      const { runWorker } = await import('../worker');
      const config = configFrom(flags);
      await runWorker({
        ...config,
        CONNECT_DIALER_METRICS_PORT: flags.metricsPort ?? config.CONNECT_DIALER_METRICS_PORT,
        CONNECT_DIALER_LOG_FORMAT: flags.logFormat ?? config.CONNECT_DIALER_LOG_FORMAT,
      });
    });
  return withConnectionOptions(command);
}
