import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { Runtime, Worker, type NativeConnection, type WorkerDeploymentOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createActivities, type ActivityDependencies } from './activities';
import { runRetention, temporalRunState, type CampaignRunState } from './campaign-retention';
import { CampaignContactResolver } from './call-outcomes/campaign-contact-resolver';
import { ContactEventConsumer } from './call-outcomes/contact-event-consumer';
import { countDispositions } from './telemetry/disposition-metrics';
import { loadConfig, type Config } from './config';
import { createCampaignsV2Client, createConnectClient, createSqsClient } from './connect-client';
import { connectQueues, type ConnectRates } from './domain/connect-queues';
import { dataConverterFrom, encodesFailures } from './privacy/data-converter';
import { redact } from './privacy/redaction';
import { openConfiguredStore } from './storage/open-store';
import { connectTemporalClient, connectWorker } from './temporal-connection';
import { logFormatFor } from './telemetry/log-lines';
import { metricNames } from './telemetry/metric-names';
import { installRuntime, metricsAddress, runtimeMeter } from './telemetry/runtime';
import { startTracing, type Tracing } from './telemetry/tracing';

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The workflow code, bundled once per process (bundling takes seconds; workers share it), in
 * a child process (src/workflow-bundler.cjs): webpack and swc loaded into the worker kept
 * ~120 MB of its RSS. With tracing, the bundle carries the OpenTelemetry workflow interceptors;
 * with encryption, the failure converter that encodes failure messages (src/privacy).
 */
export function workflowBundle(tracing?: Tracing, dataConverter?: DataConverter): Promise<WorkflowBundleWithSourceMap> {
  const flags = [...(tracing !== undefined ? ['--traced'] : []), ...(encodesFailures(dataConverter) ? ['--encoded-failures'] : [])];
  let bundle = bundles.get(flags.join(' '));
  if (!bundle) {
    bundle = bundleInChildProcess(flags);
    bundles.set(flags.join(' '), bundle);
  }
  return bundle;
}

async function bundleInChildProcess(flags: string[]): Promise<WorkflowBundleWithSourceMap> {
  const child = spawn(process.execPath, [join(__dirname, 'workflow-bundler.cjs'), ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // Not the worker's preloads (a bench's memory probe): the bundler is a process of its own.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`bundling the workflow code failed (src/workflow-bundler.cjs exited ${code})`);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkflowBundleWithSourceMap;
}

export interface CampaignWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The AWS Region of the Connect instance: its quota is per account and Region. */
  region: string;
  /** Calls per second on each Connect task queue, for all workers together. */
  rates: ConnectRates;
  dependencies: Omit<ActivityDependencies, 'connectQueues' | 'connectRates'>;
  /** Spans for workflows and activities (see src/telemetry/tracing.ts). */
  tracing?: Tracing;
  /** Workflows kept in memory between tasks; the SDK's default when absent. */
  maxCachedWorkflows?: number;
  /** The build this worker runs; with a deployment name, Temporal Worker Versioning is on. */
  version?: { buildId: string; deploymentName?: string };
  /** Reads Amazon Connect contact events from this SQS queue (call outcomes, docs/call-outcomes.md). */
  contactEvents?: { sqs: SQSClient; queueUrl: string; log?: (line: string) => void };
  /** Payload encryption (src/privacy/data-converter.ts); the SDK's converter when absent. */
  dataConverter?: DataConverter;
  /** Purges ended campaigns' contact data this long (ms) after their end (CONNECT_DIALER_RETENTION_DAYS, docs/compliance.md). */
  retention?: { retentionMs: number; runState: (campaignKey: string) => Promise<CampaignRunState>; log: (line: string) => void };
}

/**
 * The deployment options every worker of a process polls with (see config
 * CONNECT_DIALER_DEPLOYMENT_NAME). Under Worker Versioning the campaign workflow is
 * AUTO_UPGRADE: a running campaign follows the current version (src/workflows/campaign.ts).
 */
function deploymentOptions(version: CampaignWorkerOptions['version']): WorkerDeploymentOptions | undefined {
  if (!version) return undefined;
  return version.deploymentName
    ? { version: { deploymentName: version.deploymentName, buildId: version.buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'AUTO_UPGRADE' }
    : { version: { deploymentName: 'connect-dialer', buildId: version.buildId }, useWorkerVersioning: false };
}

/** How often a process checks that none of its workers has failed. */
const FAILED_WORKER_CHECK_MS = 1_000;

/** One of a process's workers failed; the others were shut down with it. */
export class WorkerFailedError extends Error {
  override name = 'WorkerFailedError';
  constructor(
    readonly taskQueue: string,
    override readonly cause: unknown,
  ) {
    super(
      `The worker on task queue ${taskQueue} failed (${cause instanceof Error ? cause.message : String(cause)}); ` +
        "this process's other workers were shut down with it: a process that polls only some of its task queues would run half a worker.",
    );
  }
}

/**
 * The workers of one process: one for campaign workflows and their housekeeping on the
 * campaign task queue, and one per Connect task queue, whose rate the Temporal server holds
 * every worker polling it to (invariant 6). They run and stop together: when one fails,
 * the others shut down and run() rejects with WorkerFailedError.
 */
export class CampaignWorker {
  private readonly stopping = new AbortController();

  constructor(
    private readonly workers: readonly Worker[],
    /** Work beside the Temporal workers (the contact-event consumer), stopped with them. */
    private readonly background?: (signal: AbortSignal) => Promise<void>,
  ) {}

  async run(): Promise<void> {
    const besides = this.background?.(this.stopping.signal);
    try {
      await this.runWorkers();
    } finally {
      this.stopping.abort();
      await besides;
    }
  }

  private async runWorkers(): Promise<void> {
    const runs = this.workers.map((w) => w.run().catch((err: unknown) => Promise.reject(new WorkerFailedError(w.options.taskQueue, err))));
    // A worker whose poller hits a fatal error turns FAILED at once, but its run() may never
    // settle: the SDK (1.24) then waits in finalizeShutdown. So the state is watched too.
    let watch: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      watch = setInterval(() => {
        const worker = this.workers.find((w) => w.getState() === 'FAILED');
        if (worker) reject(new WorkerFailedError(worker.options.taskQueue, new Error('its task pollers failed; the "Worker failed" log line says why')));
      }, FAILED_WORKER_CHECK_MS);
    });
    try {
      await Promise.race([Promise.all(runs), failed]);
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(runs.filter((_, i) => this.workers[i]?.getState() !== 'FAILED'));
      throw err;
    } finally {
      clearInterval(watch);
    }
  }

  /** Runs until `until` settles, then shuts down and waits for the workers to stop. */
  async runUntil<T>(until: Promise<T>): Promise<T> {
    const running = this.run();
    try {
      return await until;
    } finally {
      this.shutdown();
      await running;
    }
  }

  shutdown(): void {
    this.stopping.abort();
    for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
  }

  getState(): ReturnType<Worker['getState']> {
    return this.workers[0]?.getState() ?? 'STOPPED';
  }
}

/** The one place production dependencies are wired into workers. */
export async function createCampaignWorker(options: CampaignWorkerOptions): Promise<CampaignWorker> {
  const queues = connectQueues(options.taskQueue, options.region);
  const activities = createActivities({ ...options.dependencies, connectQueues: queues, connectRates: options.rates });
  const base = {
    connection: options.connection,
    namespace: options.namespace,
    activities,
    ...(options.tracing && { plugins: [options.tracing.plugin] }),
    ...(options.version && { workerDeploymentOptions: deploymentOptions(options.version) }),
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
  };
  const connectWorkerFor = (taskQueue: string, rate: number): Promise<Worker> =>
    Worker.create({
      ...base,
      taskQueue,
      maxTaskQueueActivitiesPerSecond: rate,
      // Calls waiting on Connect's answer; the rate, not this, is what paces them.
      maxConcurrentActivityTaskExecutions: 50,
    });
  const workers = await Promise.all([
    Worker.create({
      ...base,
      taskQueue: options.taskQueue,
      workflowBundle: await workflowBundle(options.tracing, options.dataConverter),
      maxConcurrentActivityTaskExecutions: 20,
      // A campaign's next workflow task waits this long for the worker that has it cached, then
      // any worker takes it (replaying the history): a worker that died stalls its campaigns 2 s,
      // not the SDK's 10 s (npm run bench:churn: 1.164-1.170x the quota's floor at 10 s, 1.114-1.117x at 2 s).
      stickyQueueScheduleToStartTimeout: '2s',
      ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
    }),
    connectWorkerFor(queues.batchPutContact, options.rates.batchPutContact),
    connectWorkerFor(queues.outboundRequests, options.rates.outboundRequests),
    connectWorkerFor(queues.chat, options.rates.chat),
  ]);
  const events = options.contactEvents;
  const consumer =
    events &&
    new ContactEventConsumer({
      sqs: events.sqs,
      queueUrl: events.queueUrl,
      store: options.dependencies.store,
      // A v2 campaign's contacts lead back to their sends through their attributes (connect:GetContactAttributes).
      campaignContacts: new CampaignContactResolver(options.dependencies.connect),
      onDecided: countDispositions,
      log:
        events.log ??
        ((line) => {
          Runtime.instance().logger.warn(line);
        }),
    });
  const retention = options.retention;
  const background = [
    ...(consumer ? [(signal: AbortSignal) => consumer.run(signal)] : []),
    ...(retention ? [(signal: AbortSignal) => runRetention(signal, { store: options.dependencies.store, ...retention })] : []),
  ];
  return new CampaignWorker(workers, background.length > 0 ? async (signal) => void (await Promise.all(background.map((run) => run(signal)))) : undefined);
}

/** The shared rates as a gauge, so dashboards can draw calls against the rate in force. */
function publishSharedRates(rates: ConnectRates): void {
  const gauge = runtimeMeter().createGauge(metricNames.sharedRate, 'float', 'calls/s', 'Connect calls per second for all workers together, by API');
  gauge.set(rates.batchPutContact, { api: 'BatchPutContact' });
  gauge.set(rates.outboundRequests, { api: 'PutOutboundRequestBatch' });
  gauge.set(rates.chat, { api: 'StartOutboundChatContact' });
}

/** The worker options configuration decides: where it polls, its Region, rates, build and deployment. */
export function workerSettingsFrom(
  config: Config,
): Pick<CampaignWorkerOptions, 'namespace' | 'taskQueue' | 'region' | 'rates' | 'maxCachedWorkflows' | 'version' | 'dataConverter'> {
  return {
    dataConverter: dataConverterFrom(config),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    region: config.AWS_REGION,
    rates: connectRatesFrom(config),
    maxCachedWorkflows: config.TEMPORAL_MAX_CACHED_WORKFLOWS,
    version: { buildId: config.CONNECT_DIALER_BUILD_ID, deploymentName: config.CONNECT_DIALER_DEPLOYMENT_NAME },
  };
}

export function connectRatesFrom(config: Config): ConnectRates {
  return {
    batchPutContact: config.CONNECT_BATCH_PUT_CONTACT_RATE,
    outboundRequests: config.CONNECT_OUTBOUND_REQUEST_BATCH_RATE,
    chat: config.CONNECT_CHAT_RATE,
  };
}

/**
 * Runs a worker from configuration until SIGINT/SIGTERM. It installs the Temporal runtime
 * first (metrics endpoint, log format), so nothing else in the process may have created one.
 */
export async function runWorker(config: Config = loadConfig()): Promise<void> {
  const address = metricsAddress(config);
  installRuntime({
    metricsAddress: address,
    logFormat: logFormatFor(config.CONNECT_DIALER_LOG_FORMAT, process.stderr.isTTY === true),
    write: (line) => process.stderr.write(line + '\n'),
  });
  const logger = Runtime.instance().logger;
  const tracing = startTracing(config, 'connect-dialer-worker');
  try {
    const connection = await connectWorker(config);
    const { store, database } = await openConfiguredStore(config, {
      log: (line) => {
        logger.info(line);
      },
    });
    // Retention asks Temporal whether a campaign still runs before it purges it.
    const retentionClient = config.CONNECT_DIALER_RETENTION_DAYS !== undefined ? await connectTemporalClient(config) : undefined;
    try {
      const worker = await createCampaignWorker({
        ...workerSettingsFrom(config),
        connection,
        dependencies: {
          connect: createConnectClient(config),
          campaignsV2: createCampaignsV2Client(config),
          store,
          reconcileAfterSeconds: config.CONNECT_DIALER_RECONCILE_AFTER_SECONDS,
        },
        tracing,
        ...(retentionClient &&
          config.CONNECT_DIALER_RETENTION_DAYS !== undefined && {
            retention: {
              retentionMs: config.CONNECT_DIALER_RETENTION_DAYS * 86_400_000,
              runState: temporalRunState(retentionClient),
              log: (line: string) => {
                logger.info(line);
              },
            },
          }),
        ...(config.CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL && {
          contactEvents: {
            sqs: createSqsClient(config, config.CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL),
            queueUrl: config.CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL,
            log: (line: string) => {
              logger.warn(line);
            },
          },
        }),
      });
      const queues = connectQueues(config.TEMPORAL_TASK_QUEUE, config.AWS_REGION);
      publishSharedRates(connectRatesFrom(config));
      logger.info(
        `connect-dialer worker: task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}), ` +
          `Connect ${config.CONNECT_ENDPOINT ?? `AWS ${config.AWS_REGION}`} through ${queues.batchPutContact} at ${config.CONNECT_BATCH_PUT_CONTACT_RATE}/s ` +
          `(v2 ${config.CONNECT_OUTBOUND_REQUEST_BATCH_RATE}/s, chat ${config.CONNECT_CHAT_RATE}/s, shared by every worker), campaign store: ${database.description}` +
          (address ? `, metrics at http://${address}/metrics` : '') +
          (config.OTEL_EXPORTER_OTLP_ENDPOINT ? `, traces to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}` : '') +
          (config.CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL ? `, contact events from ${config.CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL}` : '') +
          (config.CONNECT_DIALER_DEPLOYMENT_NAME
            ? `, Worker Versioning as ${config.CONNECT_DIALER_DEPLOYMENT_NAME}.${config.CONNECT_DIALER_BUILD_ID}`
            : `, build ${config.CONNECT_DIALER_BUILD_ID}`),
        { taskQueue: config.TEMPORAL_TASK_QUEUE, metricsAddress: address },
      );
      await worker.run();
      // After a clean stop only: a failed worker still holds the connection, and the process exits anyway.
      await connection.close();
    } finally {
      await retentionClient?.connection.close();
      await database.close();
    }
  } finally {
    await tracing?.shutdown();
  }
}

if (require.main === module) {
  runWorker().catch((err: unknown) => {
    console.error(redact(err instanceof Error ? err.message : String(err)));
    process.exit(1);
  });
}
