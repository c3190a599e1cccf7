// Credentials that expire or cannot be loaded on the worker's host are a blip, not the end of a
// campaign: the call is retried by the activity (same token), logged once per failure with what
// to fix, and counted. Real worker, real Temporal, the real SDK against the emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectClient } from '@aws-sdk/client-connect';
import { CampaignClient } from '../src/client';
import { emulatorCredentials, METERED_MAX_ATTEMPTS } from '../src/connect-client';
import { freePort } from '../src/dev/ports';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { metricNames } from '../src/telemetry/metric-names';
import { createCampaignWorker } from '../src/worker';
import { eventually } from './support/eventually';
import { parseSamples, sumOf } from './support/prometheus-text';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { testTemporal } from './support/temporal';
import { spawnWorker } from './support/worker-process';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

function spec(campaignId: string, size: number): CampaignSpecInput {
  const entries = Array.from({ length: size }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` }));
  return {
    campaignId,
    instanceId: 'instance-1',
    defaults: campaignDefaults,
    pacing: { batchSize: 25, batchesInFlight: 1, adaptive: false },
    dialList: { kind: 'inline', entries },
  };
}

/** Voice contacts the emulator created for the campaign, by RequestIdentifier. */
function contactsPerEntry(campaignId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of stack.emulator.contacts({ channel: 'VOICE' })) {
    const id = c.requestIdentifier;
    if (id?.startsWith(`${campaignId}-`)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe("the worker's credentials", () => {
  test('ExpiredTokenException is retried with the same token, logged with what to fix and counted; the campaign completes', async () => {
    const campaignId = uniqueCampaignId('expired');
    const taskQueue = `${stack.taskQueue}-expired`;
    const port = await freePort();
    const worker = await spawnWorker(['--metrics-port', String(port), '--log-format', 'json'], {
      TEMPORAL_ADDRESS: (await testTemporal()).address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CONNECT_ENDPOINT: stack.emulator.url,
      CONNECT_DIALER_DATA_DIR: stack.testStore.dataDir,
      DATABASE_URL: stack.testStore.databaseUrl,
      CONNECT_DIALER_METRICS_HOST: '127.0.0.1',
    });
    const campaigns = new CampaignClient(stack.campaigns.client, { taskQueue, store: stack.store });
    stack.emulator.setFaults({ schedule: [{ operation: 'BatchPutContact', times: 2, error: 'ExpiredTokenException' }] });
    try {
      await campaigns.start(spec(campaignId, 40));
      const result = await campaigns.result(campaignId);
      assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
      assert.equal(result.outcomes.CREATED, 40);
      const perEntry = contactsPerEntry(campaignId);
      assert.equal(perEntry.size, 40, 'every entry called');
      assert.deepEqual([...new Set(perEntry.values())], [1], 'no entry called twice');
      const counted = await eventually(
        'the credential errors on /metrics',
        async () => {
          const n = sumOf(parseSamples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()), metricNames.credentialErrors, {
            api: 'BatchPutContact',
            error: 'ExpiredTokenException',
          });
          return n >= 2 ? n : undefined;
        },
        { retryErrors: true, timeoutMs: 90_000, intervalMs: 200 },
      );
      assert.equal(counted, 2);
      const lines = worker
        .output()
        .split('\n')
        .filter((l) => l.includes('ExpiredTokenException') && l.includes('check the credential source'));
      assert.equal(lines.length, 2, `one log line per failed call:\n${worker.output().slice(-2000)}`);
    } finally {
      stack.emulator.setFaults({});
      await worker.stop();
    }
  });

  test('a credential provider that fails (CredentialsProviderError: STS or IMDS unreachable) is retried; the campaign completes', async () => {
    const campaignId = uniqueCampaignId('noprovider');
    const taskQueue = `${stack.taskQueue}-noprovider`;
    let asked = 0;
    // The host's credential source fails twice, then answers, as an IMDS blip would.
    const credentials = (): Promise<typeof emulatorCredentials> => {
      asked++;
      if (asked <= 2) return Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
      return Promise.resolve(emulatorCredentials);
    };
    const connect = new ConnectClient({ endpoint: stack.emulator.url, region: stack.region, credentials, maxAttempts: METERED_MAX_ATTEMPTS });
    const temporal = await testTemporal();
    const worker = await createCampaignWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace ?? 'default',
      taskQueue,
      region: stack.region,
      rates: { batchPutContact: 1000, outboundRequests: 1000, chat: 1000 },
      dependencies: { connect, store: stack.store },
    });
    const campaigns = new CampaignClient(stack.campaigns.client, { taskQueue, store: stack.store });
    try {
      const result = await worker.runUntil(campaigns.start(spec(campaignId, 30)).then(() => campaigns.result(campaignId)));
      assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
      assert.equal(result.outcomes.CREATED, 30);
      assert.ok(asked >= 3, `the provider was asked again after failing (${asked} times)`);
      const perEntry = contactsPerEntry(campaignId);
      assert.equal(perEntry.size, 30);
      assert.deepEqual([...new Set(perEntry.values())], [1], 'no entry called twice');
    } finally {
      connect.destroy();
    }
  });
});
