import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { CampaignClient, type CampaignStall } from '../src/client';
import { campaignDefaults, entry, uniqueCampaignId } from './support/stack';
import { closeTestTemporal, testTemporal } from './support/temporal';

let worker: Worker;
let running: Promise<void>;
let campaigns: CampaignClient;

before(async () => {
  const env = await testTemporal();
  const taskQueue = `stall-${randomUUID()}`;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/stalling-workflows'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  worker = await Worker.create({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle });
  running = worker.run();
  campaigns = new CampaignClient(env.client, { taskQueue });
});
after(async () => {
  worker?.shutdown();
  await running;
  await closeTestTemporal();
});

describe('a campaign whose workflow task keeps failing', () => {
  test('is reported as stalled with the failure, never a silent wait', async () => {
    const id = uniqueCampaignId('stall');
    await campaigns.start({ campaignId: id, instanceId: 'instance-1', defaults: campaignDefaults, dialList: { kind: 'inline', entries: [entry(1)] } });
    let stall: CampaignStall | undefined;
    const deadline = Date.now() + 60_000;
    while (!(stall = await campaigns.stall(id)) && Date.now() < deadline) await sleep(200);
    assert.ok(stall, 'the stall is reported within a minute');
    assert.ok(stall.attempt >= 2, `attempt ${stall.attempt}`);
    assert.match(stall.message, /this workflow task always fails/);
    await campaigns.handle(id).terminate('test over');
    assert.equal(await campaigns.stall(id), undefined, 'an ended campaign is not stalled');
  });
});
