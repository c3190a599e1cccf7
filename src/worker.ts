import { resolve } from 'node:path';
import { bundleWorkflowCode, Runtime, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from './activities';
import { createFileOutcomeStore } from './activities/outcome-store';
import { loadConfig, type Config } from './config';
import { createCampaignsV2Client, createConnectClient } from './connect-client';
import { connectWorker } from './temporal-connection';
import { logFormatFor } from './telemetry/log-lines';
import { installRuntime, metricsAddress } from './telemetry/runtime';
import { startTracing, type Tracing } from './telemetry/tracing';

const bundles = new Map<boolean, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The workflow code, bundled once per process (bundling takes seconds; workers share it).
 * With tracing, the bundle carries the OpenTelemetry workflow interceptors.
 */
export function workflowBundle(tracing?: Tracing): Promise<WorkflowBundleWithSourceMap> {
  const traced = tracing !== undefined;
  let bundle = bundles.get(traced);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: quietBundlerLogger, plugins: tracing ? [tracing.plugin] : [] });
    bundles.set(traced, bundle);
  }
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface CampaignWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** Spans for workflows and activities (see src/telemetry/tracing.ts). */
  tracing?: Tracing;
  /** Workflows kept in memory between tasks; the SDK's default when absent. */
  maxCachedWorkflows?: number;
}

/** A worker for campaign workflows and their activities: the one place production dependencies are wired. */
export async function createCampaignWorker(options: CampaignWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(options.tracing),
    activities: createActivities(options.dependencies),
    // Batches in flight across all campaigns on this worker; Connect's quota is per account.
    maxConcurrentActivityTaskExecutions: 50,
    ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.tracing && { plugins: [options.tracing.plugin] }),
  });
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
    const dataDir = resolve(config.CONNECT_DIALER_DATA_DIR);
    const worker = await createCampaignWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      dependencies: { connect: createConnectClient(config), campaignsV2: createCampaignsV2Client(config), outcomes: createFileOutcomeStore(dataDir), dataDir },
      tracing,
      maxCachedWorkflows: config.TEMPORAL_MAX_CACHED_WORKFLOWS,
    });
    logger.info(
      `connect-dialer worker: task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}), ` +
        `Connect ${config.CONNECT_ENDPOINT ?? `AWS ${config.AWS_REGION}`}, data in ${dataDir}` +
        (address ? `, metrics at http://${address}/metrics` : '') +
        (config.OTEL_EXPORTER_OTLP_ENDPOINT ? `, traces to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}` : ''),
      { taskQueue: config.TEMPORAL_TASK_QUEUE, metricsAddress: address },
    );
    try {
      await worker.run();
    } finally {
      await connection.close();
    }
  } finally {
    await tracing?.shutdown();
  }
}

if (require.main === module) {
  runWorker().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
