import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { CampaignClient } from '../src/client';
import type { CampaignResult } from '../src/domain/progress';
import { startEmulator, type Emulator } from '../src/emulator';
import { startTracing, tracingClientInterceptors, type Tracing } from '../src/telemetry/tracing';
import { startOtlpReceiver, type OtlpReceiver } from './support/otlp-receiver';
import { campaignDefaults, entry, uniqueCampaignId } from './support/stack';
import { closeTestTemporal, testTemporal } from './support/temporal';
import { spawnWorker, type WorkerProcess } from './support/worker-process';

let receiver: OtlpReceiver;
let emulator: Emulator;
let worker: WorkerProcess | undefined;
let clientTracing: Tracing | undefined;
let dataDir: string;
let result: CampaignResult;
let workerExit: number | null;

before(async () => {
  const temporal = await testTemporal();
  receiver = await startOtlpReceiver();
  emulator = await startEmulator({ quiet: true });
  dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-tracing-'));
  const taskQueue = `tracing-${randomUUID()}`;
  const config = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint };
  worker = await spawnWorker([], {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    CONNECT_ENDPOINT: emulator.url,
    CONNECT_DIALER_DATA_DIR: dataDir,
    ...config,
  });
  // The caller's side of the trace, as a service using CampaignClient with tracing on.
  clientTracing = startTracing(config, 'connect-dialer-test-client');
  const client = new Client({ connection: temporal.connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', interceptors: tracingClientInterceptors(config) });
  const campaigns = new CampaignClient(client, { taskQueue });
  const campaignId = uniqueCampaignId('traced');
  await campaigns.start({
    campaignId,
    instanceId: 'instance-1',
    defaults: campaignDefaults,
    pacing: { batchSize: 20, batchesInFlight: 2, adaptive: true },
    dialList: { kind: 'inline', entries: Array.from({ length: 100 }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` })) },
  });
  result = await campaigns.result(campaignId);
  // Both sides flush what they buffered as they stop.
  await clientTracing?.shutdown();
  clientTracing = undefined;
  workerExit = await worker.stop();
  worker = undefined;
});

after(async () => {
  await clientTracing?.shutdown();
  await worker?.stop();
  await emulator?.stop();
  await receiver?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await closeTestTemporal();
});

describe('traces exported with OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  test('the collector sees one trace: the start, the campaign workflow and a span for each batch', () => {
    assert.equal(result.status, 'COMPLETED');
    assert.equal(workerExit, 0, 'the worker stopped cleanly');
    assert.deepEqual(receiver.refused, [], 'exports the collector could not read');
    const names = receiver.spans.map((s) => s.name);
    const start = receiver.spans.find((s) => s.name === 'StartWorkflow:campaign');
    assert.ok(start, `a client span for the start; spans: ${[...new Set(names)].join(', ')}`);
    assert.equal(start.serviceName, 'connect-dialer-test-client');
    const trace = receiver.spans.filter((s) => s.traceId === start.traceId);
    const run = trace.find((s) => s.name === 'RunWorkflow:campaign');
    assert.ok(run, `the workflow's span in the caller's trace; its spans: ${trace.map((s) => s.name).join(', ')}; all spans: ${[...new Set(names)].join(', ')}`);
    assert.equal(run.serviceName, 'connect-dialer-worker');
    const batches = trace.filter((s) => s.name === 'RunActivity:putContactBatch');
    assert.equal(batches.length, result.batchesSent, `a RunActivity span per batch (${result.batchesSent} batches)`);
    assert.ok(
      trace.some((s) => s.name === 'RunActivity:stageDialList'),
      'the staging activity too',
    );
  });
});
