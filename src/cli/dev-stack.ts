import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Config } from '../config';
import { createCampaignsV2Client, createConnectClient, createSqsClient } from '../connect-client';
import { connectQueueDynamicConfig, startDevServer, type DevServer } from '../dev/temporal-server';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator';
import { startCodecServer } from '../privacy/codec-server';
import { encryptionKeysFrom } from '../privacy/encryption-keys';
import { AesGcmPayloadCodec } from '../privacy/payload-codec';
import { openConfiguredStore } from '../storage/open-store';
import { connectWorker } from '../temporal-connection';
import { createCampaignWorker, workerSettingsFrom, workflowBundle, type CampaignWorker } from '../worker';
import { installRuntime } from '../telemetry/runtime';
import { startTracing } from '../telemetry/tracing';
import { DEFAULT_CODEC_PORT, DEFAULT_EMULATOR_PORT, DEFAULT_METRICS_PORT, DEFAULT_TEMPORAL_PORT, DEFAULT_UI_PORT } from './stack-defaults';

export interface DevStackOptions {
  config: Config;
  host?: string;
  temporalPort?: number;
  uiPort?: number;
  emulatorPort?: number;
  /** The worker's Prometheus endpoint. */
  metricsPort?: number;
  /** The codec server's, when payloads are encrypted. */
  codecPort?: number;
  emulator?: Omit<EmulatorOptions, 'port' | 'host'>;
  /** Where the stack reports what it does (and the worker its warnings). */
  log: (line: string) => void;
}

export interface DevStack {
  temporal: DevServer & { uiUrl: string };
  emulator: Emulator;
  /** The worker's Prometheus metrics, e.g. http://127.0.0.1:9464/metrics. */
  metricsUrl: string;
  /** The codec server the Web UI decodes through, when CONNECT_DIALER_ENCRYPTION_KEY is set. */
  codecUrl?: string;
  /** The configuration a client of this stack uses (address, namespace, task queue, emulator endpoint). */
  config: Config;
  dataDir: string;
  /** Where the campaign store is (the embedded PGlite in the data folder unless DATABASE_URL is set). */
  storeDescription: string;
  /** Rejects when the stack's worker fails (one fate: the rest of the stack should stop with it). */
  workerFailed: Promise<never>;
  /** Sends the worker's log lines somewhere else (e.g. above progress bars). */
  setLog(log: (line: string) => void): void;
  /** Stops the worker, the emulator and the Temporal server (its child process too). */
  stop(): Promise<void>;
}

/**
 * Everything a campaign needs on one machine: the Temporal dev server with its Web UI and
 * state in `<dataDir>/temporal.db` (so campaigns survive restarts), the Connect emulator
 * (which dials each created contact and publishes its contact events), and a worker in this
 * process pointed at it, reading those events.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const host = options.host ?? '127.0.0.1';
  const temporalPort = options.temporalPort ?? DEFAULT_TEMPORAL_PORT;
  const uiPort = options.uiPort ?? DEFAULT_UI_PORT;
  const emulatorPort = options.emulatorPort ?? DEFAULT_EMULATOR_PORT;
  const metricsPort = options.metricsPort ?? DEFAULT_METRICS_PORT;
  const codecPort = options.codecPort ?? DEFAULT_CODEC_PORT;
  // First: a bad key stops the stack before anything starts.
  const keys = encryptionKeysFrom(options.config);
  const dataDir = resolve(options.config.CONNECT_DIALER_DATA_DIR);
  let log = options.log;

  await assertPortsFree(host, [
    [temporalPort, '--temporal-port'],
    [uiPort, '--ui-port'],
    [emulatorPort, '--emulator-port'],
    [metricsPort, '--metrics-port'],
    ...(keys ? [[codecPort, '--codec-port'] as [number, string]] : []),
  ]);
  // Worker warnings and errors go through `log`; the SDK's info chatter stays out of the way.
  installRuntime({
    metricsAddress: `${host}:${metricsPort}`,
    logFormat: 'text',
    logLevel: 'WARN',
    write: (line) => log(`[worker] ${line}`),
    // This process handles Ctrl-C itself and stops the worker in order.
    shutdownSignals: [],
  });
  const tracing = startTracing(options.config, 'connect-dialer-worker');
  // What was started, stopped in reverse order. Each part gets STOP_PART_MS: a part that hangs
  // (a store waiting on a query of a worker that would not stop) must not keep Ctrl-C from ending.
  const parts: StackPart[] = [];
  const stopLater = (what: string, stop: () => Promise<unknown>): void => void parts.push({ what, stop });
  if (tracing) stopLater('tracing', () => tracing.shutdown());
  const stopAll = async (): Promise<void> => {
    for (const part of parts.reverse()) await stopPart(part, log);
    parts.length = 0;
  };

  try {
    // Bundling takes seconds: overlap it with the server's start (errors surface when the worker is created).
    workflowBundle(tracing, workerSettingsFrom(options.config).dataConverter).catch(() => undefined);
    // Before the Temporal server, whose Web UI is pointed at it.
    const uiUrl = `http://${host}:${uiPort}`;
    let codecUrl: string | undefined;
    if (keys) {
      const codecServer = await startCodecServer({
        codec: new AesGcmPayloadCodec(keys.current, keys.previous),
        port: codecPort,
        host,
        allowedOrigins: [uiUrl, `http://localhost:${uiPort}`],
        token: options.config.CONNECT_DIALER_CODEC_SERVER_TOKEN,
      });
      stopLater('the codec server', () => codecServer.close());
      codecUrl = codecServer.url;
    }
    log(`Starting the Temporal dev server on ${host}:${temporalPort} (state in ${join(dataDir, 'temporal.db')}) and the Connect emulator on port ${emulatorPort}…`);
    const [temporalStart, emulatorStart] = await Promise.allSettled([
      startDevServer({
        ip: host,
        port: temporalPort,
        uiPort,
        uiCodecEndpoint: codecUrl,
        dbFile: join(dataDir, 'temporal.db'),
        namespace: options.config.TEMPORAL_NAMESPACE,
        dynamicConfig: connectQueueDynamicConfig,
      }),
      // The emulator dials (every call answered unless told otherwise) and the worker reads its contact events: call outcomes work out of the box.
      startEmulator({ quiet: true, region: options.config.AWS_REGION, calls: { ringMs: 1_000 }, ...options.emulator, port: emulatorPort, host }),
    ]);
    if (temporalStart.status === 'fulfilled') stopLater('the Temporal dev server', () => temporalStart.value.stop());
    if (emulatorStart.status === 'fulfilled') stopLater('the emulator', () => emulatorStart.value.stop());
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    if (emulatorStart.status === 'rejected') throw emulatorStart.reason;
    const temporal = temporalStart.value;
    const emulator = emulatorStart.value;
    const config: Config = {
      ...options.config,
      TEMPORAL_ADDRESS: temporal.address,
      CONNECT_ENDPOINT: emulator.url,
      CONNECT_DIALER_DATA_DIR: dataDir,
      CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: emulator.contactEventsQueueUrl,
    };

    const connection = await connectWorker(config);
    stopLater('the Temporal connection', () => connection.close());
    const connect = createConnectClient(config);
    const campaignsV2 = createCampaignsV2Client(config);
    stopLater('the Connect client', () => Promise.resolve(connect.destroy()));
    stopLater('the Outbound Campaigns client', () => Promise.resolve(campaignsV2.destroy()));
    const { store, database } = await openConfiguredStore(config, { log: (line) => log(line) });
    stopLater('the campaign store', () => database.close());
    const sqs = createSqsClient(config, emulator.contactEventsQueueUrl);
    stopLater('the SQS client', () => Promise.resolve(sqs.destroy()));
    const worker = await createCampaignWorker({
      ...workerSettingsFrom(config),
      connection,
      dependencies: { connect, campaignsV2, store, reconcileAfterSeconds: config.CONNECT_DIALER_RECONCILE_AFTER_SECONDS },
      tracing,
      contactEvents: { sqs, queueUrl: emulator.contactEventsQueueUrl, log: (line) => log(line) },
    });
    let failWorker: (err: unknown) => void = () => undefined;
    const workerFailed = new Promise<never>((_, reject) => (failWorker = reject));
    workerFailed.catch(() => undefined);
    const running = worker.run().catch((err: unknown) => {
      log(`worker stopped: ${(err as Error).message}`);
      failWorker(err);
    });
    stopLater('the worker', () => stopWorker(worker, running));

    return {
      temporal: { ...temporal, uiUrl },
      emulator,
      metricsUrl: `http://${host}:${metricsPort}/metrics`,
      codecUrl,
      config,
      dataDir,
      storeDescription: database.description,
      workerFailed,
      setLog(next) {
        log = next;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

interface StackPart {
  what: string;
  stop: () => Promise<unknown>;
}

/** How long one part of the stack may take to stop before the next is stopped anyway. */
const STOP_PART_MS = 20_000;

async function stopPart(part: StackPart, log: (line: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), STOP_PART_MS).unref()));
  try {
    const how = await Promise.race([part.stop().then(() => 'stopped' as const), late]);
    if (how === 'late') log(`while stopping: ${part.what} did not stop within ${STOP_PART_MS / 1000} s; going on without it`);
  } catch (err) {
    log(`while stopping ${part.what}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

function stopWorker(worker: CampaignWorker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  // Batches in flight get up to STOP_PART_MS to record their outcomes; the campaign resumes them on the next start anyway.
  return running;
}

async function assertPortsFree(host: string, ports: [number, string][]): Promise<void> {
  for (const [port, flag] of ports) {
    if (!(await isPortFree(host, port))) {
      throw new Error(`port ${port} on ${host} is in use (another connect-dialer or Temporal dev server?); stop it or choose another port with ${flag}`);
    }
  }
}

function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, host, () => server.close(() => resolveFree(true)));
  });
}
