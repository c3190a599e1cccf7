import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ConnectClient } from '@aws-sdk/client-connect';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { CampaignClient } from '../../src/client';
import { METERED_MAX_ATTEMPTS } from '../../src/connect-client';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';
import type { ConnectRates } from '../../src/domain/connect-queues';
import type { CampaignStore } from '../../src/storage/campaign-store';
import { createCampaignWorker, type CampaignWorker } from '../../src/worker';
import { openTestStore, type StoreKind, type TestStore } from './database';
import { closeTestTemporal, testTemporal } from './temporal';
import { emulatorCampaignsClient, emulatorClient, emulatorSqsClient } from './emulator';

export interface Stack {
  campaigns: CampaignClient;
  emulator: Emulator;
  store: CampaignStore;
  /** The store's database, for another process (DATABASE_URL or the embedded store's data folder). */
  testStore: TestStore;
  /** A scratch folder for the test's files, removed by stop(). */
  dataDir: string;
  taskQueue: string;
  region: string;
  connect: ConnectClient;
  /** Starts (another) worker on the stack's task queue; stopped by stop(). */
  startWorker(): Promise<CampaignWorker>;
  /** A worker in this process on `taskQueue` with the stack's Connect clients and store, not yet running. */
  createWorker(taskQueue: string): Promise<CampaignWorker>;
  /** `src/worker.ts` as a process of its own on `taskQueue`, with the stack's emulator and store (and `extraEnv`); killed by stop(). */
  spawnWorkerProcess(taskQueue: string, extraEnv?: NodeJS.ProcessEnv): ChildProcess;
  stop(): Promise<void>;
}

/** Unlimited unless a test asks: the shared rate has its own tests. */
const TEST_RATES: ConnectRates = { batchPutContact: 1000, outboundRequests: 1000, chat: 1000 };

/** Real Temporal dev server, real worker, real AWS SDK, the Connect emulator, a real store: one per test file. */
export async function startStack(
  options: {
    emulator?: EmulatorOptions;
    store?: StoreKind;
    rates?: ConnectRates;
    contactEvents?: boolean;
    /** The worker's and the campaigns client's (payload encryption: src/privacy/data-converter.ts). */
    dataConverter?: DataConverter;
  } = {},
): Promise<Stack> {
  const env = await testTemporal();
  const emulator = await startEmulator({ quiet: true, ...options.emulator });
  const testStore = await openTestStore(options.store);
  const taskQueue = `test-${randomUUID()}`;
  const region = options.emulator?.region ?? 'us-east-1';
  // One HTTP request per activity attempt, as the worker's own clients (src/connect-client.ts).
  const clientOptions = { region: options.emulator?.region, ...options.emulator?.credentials, maxAttempts: METERED_MAX_ATTEMPTS };
  const connect = emulatorClient(emulator, clientOptions);
  const campaignsV2 = emulatorCampaignsClient(emulator, clientOptions);
  const running: { worker: CampaignWorker; done: Promise<void> }[] = [];
  const processes: ChildProcess[] = [];

  const createWorker = (queue: string): Promise<CampaignWorker> =>
    createCampaignWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: queue,
      region,
      rates: options.rates ?? TEST_RATES,
      dependencies: { connect, campaignsV2, store: testStore.store, ...(options.contactEvents === true && { reconcileAfterSeconds: 1 }) },
      ...(options.contactEvents === true && { contactEvents: { sqs: emulatorSqsClient(emulator), queueUrl: emulator.contactEventsQueueUrl, log: () => undefined } }),
      dataConverter: options.dataConverter,
    });
  const startWorker = async (): Promise<CampaignWorker> => {
    const worker = await createWorker(taskQueue);
    running.push({ worker, done: worker.run() });
    return worker;
  };
  const spawnWorkerProcess = (queue: string, extraEnv: NodeJS.ProcessEnv = {}): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'worker.ts')], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: queue,
        AWS_REGION: region,
        CONNECT_ENDPOINT: emulator.url,
        CONNECT_DIALER_DATA_DIR: testStore.dataDir,
        DATABASE_URL: testStore.databaseUrl,
        ...(options.contactEvents === true && { CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: emulator.contactEventsQueueUrl }),
        ...extraEnv,
      },
      stdio: 'ignore',
    });
    processes.push(child);
    return child;
  };
  await startWorker();

  return {
    campaigns: new CampaignClient(
      options.dataConverter ? new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: options.dataConverter }) : env.client,
      { taskQueue, store: testStore.store },
    ),
    emulator,
    store: testStore.store,
    testStore,
    dataDir: testStore.dataDir,
    taskQueue,
    region,
    connect,
    startWorker,
    createWorker,
    spawnWorkerProcess,
    async stop() {
      for (const p of processes) p.kill('SIGKILL');
      for (const r of running) r.worker.shutdown();
      await Promise.allSettled(running.map((r) => r.done));
      connect.destroy();
      campaignsV2.destroy();
      await emulator.stop();
      await testStore.close();
      await closeTestTemporal();
    },
  };
}

/** A dial-list entry with a valid, unique E.164 number. */
export function entry(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RequestIdentifier: `c-${i}`,
    CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1415555${String(i % 10000).padStart(4, '0')}` },
    ...extra,
  };
}

export const campaignDefaults = {
  QueueId: 'queue-1',
  Campaign: { CampaignId: 'cmp-1' },
  OutboundStrategy: { Type: 'AGENT_FIRST' as const },
};

export function uniqueCampaignId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
