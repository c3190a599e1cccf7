// Contact data stays private in Temporal: with CONNECT_DIALER_ENCRYPTION_KEY set, a campaign's
// history holds ciphertext where its numbers, ids and messages would be, while the client, the
// CLI and the worker read them back decoded (issue 22, docs/privacy.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { CampaignClient } from '../src/client';
import { campaignWorkflowId, type CampaignSpecInput } from '../src/domain/campaign';
import type { CampaignResult } from '../src/domain/progress';
import { loadConfig } from '../src/config';
import { dataConverterFrom } from '../src/privacy/data-converter';
import { workflowBundle } from '../src/worker';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { cliEnvFor, runCli } from './support/cli-process';
import { testTemporal } from './support/temporal';
import { eventually } from './support/eventually';

const KEY = randomBytes(32).toString('base64');
const keyConfig = loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY: KEY });

let stack: Stack;
let cliEnv: NodeJS.ProcessEnv;

before(async () => {
  stack = await startStack({ dataConverter: dataConverterFrom(keyConfig) });
  cliEnv = await cliEnvFor(stack);
});
after(async () => {
  await stack?.stop();
});

const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', initialMessage: 'We tried to call you' };
const MESSAGE = 'Your appointment with Dr Quimby is on Tuesday';
const ATTRIBUTE = 'Zebediah Featherstonehaugh';
const SIZE = 20;

/** Numbers and ids no other test uses, so finding one in a history can only mean this campaign's. */
function privateSpec(campaignId: string): CampaignSpecInput {
  return {
    campaignId,
    instanceId: 'instance-1',
    defaults: campaignDefaults,
    chat,
    pacing: { batchSize: 5, batchesInFlight: 1 },
    dialList: {
      kind: 'inline',
      entries: Array.from({ length: SIZE }, (_, i) =>
        entry(i, { RequestIdentifier: `${campaignId}-cust-${i}`, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1415777${String(i).padStart(4, '0')}` } }),
      ),
    },
  };
}

function secretsOf(campaignId: string): string[] {
  return [MESSAGE, ATTRIBUTE, ...Array.from({ length: SIZE }, (_, i) => [`${campaignId}-cust-${i}`, `+1415777${String(i).padStart(4, '0')}`]).flat()];
}

async function encryptingClient(): Promise<Client> {
  return new Client({ connection: (await testTemporal()).connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', dataConverter: dataConverterFrom(keyConfig) });
}

/** Every run's history as stored by the server, payloads as they are (no codec). */
async function rawHistoryBytes(handle: WorkflowHandle): Promise<Buffer> {
  const history = await handle.fetchHistory();
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

/** Starts a campaign, deflects its last five contacts with a message while it runs slowly, and waits for its end. */
async function runDeflectedCampaign(start: (spec: CampaignSpecInput) => Promise<unknown>, campaignId: string): Promise<CampaignResult> {
  stack.emulator.configure({ latencyMs: 300 });
  try {
    await start(privateSpec(campaignId));
    const late = [15, 16, 17, 18, 19].map((i) => `${campaignId}-cust-${i}`);
    const answer = await stack.campaigns.deflect(campaignId, { requestIdentifiers: late, message: MESSAGE, attributes: { name: ATTRIBUTE } });
    assert.deepEqual([...answer.accepted].sort(), late.sort(), `refused: ${JSON.stringify(answer.refused)}`);
    return await stack.campaigns.result(campaignId);
  } finally {
    stack.emulator.configure({ latencyMs: 0 });
  }
}

const cli = runCli;

describe('encrypted Temporal payloads', () => {
  let campaignId: string;
  let result: CampaignResult;

  before(async () => {
    campaignId = uniqueCampaignId('private');
    result = await runDeflectedCampaign((spec) => stack.campaigns.start(spec), campaignId);
  });

  test('the raw history of an inline campaign deflected with a message holds none of its numbers, ids or message text', async () => {
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.outcomes.DEFLECTED, 5);
    const handle = (await encryptingClient()).workflow.getHandle(campaignWorkflowId(campaignId));
    const raw = await rawHistoryBytes(handle);
    const found = secretsOf(campaignId).filter((s) => raw.includes(Buffer.from(s)));
    assert.deepEqual(found, [], 'contact data in clear in the history');
    assert.ok(raw.includes(Buffer.from('binary/encrypted')), 'the payloads are marked encrypted');
    // Search attributes stay readable: the campaign id is one.
    const history = await handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const attributes = JSON.stringify(Object.values(started?.searchAttributes?.indexedFields ?? {}).map((p) => Buffer.from(p.data ?? []).toString()));
    assert.match(attributes, new RegExp(campaignId), `search attributes: ${attributes}`);
  });

  test('the same check finds the contact data when the campaign is started without a key (the check can fail)', async () => {
    const plainId = uniqueCampaignId('plain');
    const plainClient = new Client({ connection: (await testTemporal()).connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    // The keyless start puts the inline list in clear; the encrypting worker still reads it.
    await runDeflectedCampaign((spec) => new CampaignClient(plainClient, { taskQueue: stack.taskQueue }).start(spec), plainId);
    const raw = await rawHistoryBytes(plainClient.workflow.getHandle(campaignWorkflowId(plainId)));
    assert.ok(raw.includes(Buffer.from(`+14157770000`)), 'the start input carries the first number in clear');
  });

  test('result, status and report read the campaign decoded with the key; without it, status says which variable to set', async () => {
    assert.equal(result.total, SIZE);
    const withKey = await cli(['status', '--campaign-id', campaignId, '--json'], { ...cliEnv, CONNECT_DIALER_ENCRYPTION_KEY: KEY });
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.equal((JSON.parse(withKey.stdout) as CampaignResult).outcomes.DEFLECTED, 5);
    const report = await cli(['report', '--campaign-id', campaignId, '--format', 'csv'], { ...cliEnv, CONNECT_DIALER_ENCRYPTION_KEY: KEY });
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, new RegExp(`^${campaignId}-cust-19,19,DEFLECTED,`, 'm'));

    const keyless = await cli(['status', '--campaign-id', campaignId, '--json'], cliEnv);
    assert.notEqual(keyless.code, 0, keyless.stdout);
    assert.match(keyless.stderr, /encrypted.*CONNECT_DIALER_ENCRYPTION_KEY/s);
  });

  test('a worker without the key stalls on an encrypted campaign with a message naming CONNECT_DIALER_ENCRYPTION_KEY', async () => {
    const queue = `${stack.taskQueue}-keyless`;
    const id = uniqueCampaignId('keyless-worker');
    const child = stack.spawnWorkerProcess(queue);
    try {
      const encrypting = new CampaignClient(await encryptingClient(), { taskQueue: queue });
      await encrypting.start(privateSpec(id));
      const stall = await eventually('the campaign to stall', () => encrypting.stall(id), { timeoutMs: 120_000, intervalMs: 500 });
      assert.match(stall.message, /encrypted.*CONNECT_DIALER_ENCRYPTION_KEY/s, stall.message);
      await encrypting.cancel(id).catch(() => undefined);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test("failures' messages are encrypted too: a 403's reason is in no event, while the campaign's pause reason reads it decoded", async () => {
    stack.emulator.configure({ deniedAccessKeyIds: ['test'] });
    const id = uniqueCampaignId('denied');
    try {
      await stack.campaigns.start({ ...privateSpec(id), chat: undefined });
      const paused = await eventually('the campaign to pause', async () => {
        const p = await stack.campaigns.progress(id);
        return p.status === 'PAUSED' ? p : undefined;
      });
      assert.match(paused.pauseReason ?? '', /AccessDeniedException/);
      const raw = await rawHistoryBytes((await encryptingClient()).workflow.getHandle(campaignWorkflowId(id)));
      assert.ok(raw.includes(Buffer.from('Encoded failure')), 'the activity failure is in the history, its message encoded');
      assert.ok(!raw.includes(Buffer.from('AccessDeniedException')), 'the failure message in clear in the history');
      await stack.campaigns.cancel(id);
    } finally {
      stack.emulator.configure({ deniedAccessKeyIds: [] });
    }
  });

  test('histories recorded without a key replay on a worker with one', async () => {
    const dir = join(__dirname, 'histories');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    const histories: HistoryAndWorkflowId[] = await Promise.all(
      files.map(async (file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(await readFile(join(dir, file), 'utf8'))) })),
    );
    const dataConverter = dataConverterFrom(keyConfig);
    const bundle = await workflowBundle(undefined, dataConverter);
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter }, histories)) {
      assert.equal(r.error, undefined, `${r.workflowId} does not replay with a key: ${String(r.error)}`);
      replayed++;
    }
    assert.equal(replayed, files.length);
  });
});
