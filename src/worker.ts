import { resolve } from 'node:path';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from './activities';
import { createFileOutcomeStore } from './activities/outcome-store';
import { loadConfig, type Config } from './config';
import { createCampaignsV2Client, createConnectClient } from './connect-client';
import { connectWorker } from './temporal-connection';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow code, bundled once per process (bundling takes seconds; workers share it). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: quietBundlerLogger });
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
}

/** A worker for campaign workflows and their activities: the one place production dependencies are wired. */
export async function createCampaignWorker(options: CampaignWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(options.dependencies),
    // Batches in flight across all campaigns on this worker; Connect's quota is per account.
    maxConcurrentActivityTaskExecutions: 50,
  });
}

/** Runs a worker from configuration until SIGINT/SIGTERM. */
export async function runWorker(config: Config = loadConfig(), log: (line: string) => void = console.error): Promise<void> {
  const connection = await connectWorker(config);
  const dataDir = resolve(config.CONNECT_DIALER_DATA_DIR);
  const worker = await createCampaignWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dependencies: { connect: createConnectClient(config), campaignsV2: createCampaignsV2Client(config), outcomes: createFileOutcomeStore(dataDir), dataDir },
  });
  log(
    `connect-dialer worker: task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}), ` +
      `Connect ${config.CONNECT_ENDPOINT ?? `AWS ${config.AWS_REGION}`}, data in ${dataDir}`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
