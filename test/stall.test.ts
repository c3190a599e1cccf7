import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { CampaignClient } from '../src/client';
import { campaignDefaults, entry, uniqueCampaignId } from './support/stack';
import { closeTestTemporal, testTemporal } from './support/temporal';
import { eventually } from './support/eventually';

let worker: Worker;
let running: Promise<void>;
let campaigns: CampaignClient;
let address: string;

before(async () => {
  const env = await testTemporal();
  address = env.address;
  const taskQueue = `stall-${randomUUID()}`;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/stalling-workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
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
    const stall = await eventually('the stall to be reported', () => campaigns.stall(id), { timeoutMs: 60_000, intervalMs: 200 });
    assert.ok(stall, 'the stall is reported within a minute');
    assert.ok(stall.attempt >= 2, `attempt ${stall.attempt}`);
    assert.match(stall.message, /this workflow task always fails/);

    // The CLI says so too, with its own exit code, instead of hanging on a query no worker can answer.
    const bin = join(__dirname, '..', 'bin', 'connect-dialer.cjs');
    const status = await promisify(execFile)(process.execPath, [bin, 'status', '--campaign-id', id, '--address', address]).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(status.code, 3, `status exits 3 for a stalled campaign: ${status.stderr}`);
    assert.match(status.stderr, /is stalled: its workflow task has failed \d+ times \(.*always fails\)/);
    await campaigns.handle(id).terminate('test over');
    assert.equal(await campaigns.stall(id), undefined, 'an ended campaign is not stalled');
  });
});
