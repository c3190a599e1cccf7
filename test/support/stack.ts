import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConnectClient } from '@aws-sdk/client-connect';
import type { Worker } from '@temporalio/worker';
import { createFileOutcomeStore, type OutcomeStore } from '../../src/activities/outcome-store';
import { CampaignClient } from '../../src/client';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';
import { createCampaignWorker } from '../../src/worker';
import { closeTestTemporal, testTemporal } from './temporal';
import { emulatorCampaignsClient, emulatorClient } from './emulator';

export interface Stack {
  campaigns: CampaignClient;
  emulator: Emulator;
  outcomes: OutcomeStore;
  dataDir: string;
  taskQueue: string;
  connect: ConnectClient;
  /** Starts (another) worker on the stack's task queue; stopped by stop(). */
  startWorker(): Promise<Worker>;
  stop(): Promise<void>;
}

/** Real Temporal dev server, real worker, real AWS SDK, the Connect emulator: one per test file. */
export async function startStack(options: { emulator?: EmulatorOptions } = {}): Promise<Stack> {
  const env = await testTemporal();
  const emulator = await startEmulator({ quiet: true, ...options.emulator });
  const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-test-'));
  const taskQueue = `test-${randomUUID()}`;
  // The SDK's default retries, as the worker's own client has.
  const connect = emulatorClient(emulator, { region: options.emulator?.region, ...options.emulator?.credentials, maxAttempts: 3 });
  const campaignsV2 = emulatorCampaignsClient(emulator, { region: options.emulator?.region, ...options.emulator?.credentials, maxAttempts: 3 });
  const outcomes = createFileOutcomeStore(dataDir);
  const running: { worker: Worker; done: Promise<void> }[] = [];

  const startWorker = async (): Promise<Worker> => {
    const worker = await createCampaignWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      dependencies: { connect, campaignsV2, outcomes, dataDir },
    });
    running.push({ worker, done: worker.run() });
    return worker;
  };
  await startWorker();

  return {
    campaigns: new CampaignClient(env.client, { taskQueue, outcomes }),
    emulator,
    outcomes,
    dataDir,
    taskQueue,
    connect,
    startWorker,
    async stop() {
      for (const r of running) if (r.worker.getState() === 'RUNNING') r.worker.shutdown();
      await Promise.allSettled(running.map((r) => r.done));
      connect.destroy();
      campaignsV2.destroy();
      await emulator.stop();
      await rm(dataDir, { recursive: true, force: true });
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
