import { parseArgs } from 'node:util';
import { startEmulator } from './index';
import type { EmulatorOptions, FaultConfig } from './types';

const USAGE = `Usage: connect-emulator [options]
  --port <n>                 listen port, 0 = free port (CONNECT_EMULATOR_PORT, default 4566)
  --host <addr>              listen address (CONNECT_EMULATOR_HOST, default 127.0.0.1)
  --region <r>               region requests must be signed for (CONNECT_EMULATOR_REGION, default us-east-1)
  --latency-ms <n>           added to every Connect call (CONNECT_EMULATOR_LATENCY_MS)
  --rate <n>                 BatchPutContact calls per second (CONNECT_EMULATOR_RATE, default unlimited)
  --burst <n>                BatchPutContact burst (CONNECT_EMULATOR_BURST, default = rate)
  --chat-rate <n>            StartOutboundChatContact calls per second (CONNECT_EMULATOR_CHAT_RATE)
  --chat-burst <n>           StartOutboundChatContact burst (CONNECT_EMULATOR_CHAT_BURST)
  --chat-concurrency <n>     concurrent active chats (CONNECT_EMULATOR_CHAT_CONCURRENCY)
  --throttle-rate <0..1>     share of entries answered REQUEST_THROTTLED (CONNECT_EMULATOR_THROTTLE_RATE)
  --internal-error-rate <0..1> share of entries answered INTERNAL_ERROR (CONNECT_EMULATOR_INTERNAL_ERROR_RATE)
  --call-error-rate <0..1>   share of calls answered 500 (CONNECT_EMULATOR_CALL_ERROR_RATE)
  --seed <n>                 seed for the fault rates (CONNECT_EMULATOR_SEED)
  --quiet                    log nothing but the URL (CONNECT_EMULATOR_QUIET=true)`;

/** Emulator's own default port, so a dev setup can keep CONNECT_ENDPOINT fixed. */
const DEFAULT_PORT = 4566;

const flags = {
  port: 'CONNECT_EMULATOR_PORT',
  host: 'CONNECT_EMULATOR_HOST',
  region: 'CONNECT_EMULATOR_REGION',
  'latency-ms': 'CONNECT_EMULATOR_LATENCY_MS',
  rate: 'CONNECT_EMULATOR_RATE',
  burst: 'CONNECT_EMULATOR_BURST',
  'chat-rate': 'CONNECT_EMULATOR_CHAT_RATE',
  'chat-burst': 'CONNECT_EMULATOR_CHAT_BURST',
  'chat-concurrency': 'CONNECT_EMULATOR_CHAT_CONCURRENCY',
  'throttle-rate': 'CONNECT_EMULATOR_THROTTLE_RATE',
  'internal-error-rate': 'CONNECT_EMULATOR_INTERNAL_ERROR_RATE',
  'call-error-rate': 'CONNECT_EMULATOR_CALL_ERROR_RATE',
  seed: 'CONNECT_EMULATOR_SEED',
} as const;
type Flag = keyof typeof flags;

export class EmulatorArgsError extends Error {
  override name = 'EmulatorArgsError';
}

/** Flags win over environment variables; numbers are checked here, fault values by startEmulator. */
export function emulatorOptionsFromArgs(args: string[], env: NodeJS.ProcessEnv = process.env): EmulatorOptions | 'help' {
  const options = Object.fromEntries(Object.keys(flags).map((f) => [f, { type: 'string' }])) as Record<Flag, { type: 'string' }>;
  const { values } = parseArgs({ args, options: { ...options, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help === true) return 'help';
  const text = (flag: Flag): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[flags[flag]] || undefined;
  };
  const num = (flag: Flag): number | undefined => {
    const raw = text(flag);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new EmulatorArgsError(`--${flag} (${flags[flag]}) must be a number, got '${raw}'`);
    return n;
  };
  const limit = (rate: number | undefined, burst: number | undefined): { perSecond: number; burst: number } | undefined =>
    rate === undefined ? undefined : { perSecond: rate, burst: burst ?? Math.max(1, rate) };
  const faults: FaultConfig = {
    entryThrottleRate: num('throttle-rate'),
    entryInternalErrorRate: num('internal-error-rate'),
    callInternalErrorRate: num('call-error-rate'),
    chatConcurrencyLimit: num('chat-concurrency'),
    seed: num('seed'),
  };
  const batchPutContact = limit(num('rate'), num('burst'));
  const outboundChat = limit(num('chat-rate'), num('chat-burst'));
  return {
    port: num('port') ?? DEFAULT_PORT,
    host: text('host'),
    region: text('region'),
    latencyMs: num('latency-ms'),
    rate: batchPutContact || outboundChat ? { batchPutContact, outboundChat } : undefined,
    faults: Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)),
    quiet: values.quiet === true || env.CONNECT_EMULATOR_QUIET === 'true',
  };
}

async function main(): Promise<void> {
  const options = emulatorOptionsFromArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator(options);
  console.log(`Amazon Connect emulator listening at ${emulator.url} (region ${options.region ?? 'us-east-1'}; admin at ${emulator.url}/_emulator/stats)`);
  const stop = (signal: string): void => {
    if (!options.quiet) console.error(`[connect-emulator] ${signal}: stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.error(USAGE);
    process.exit(2);
  });
}
