// `connect-dialer start` pointed at real AWS (no CONNECT_ENDPOINT): BatchPutContact is reserved to
// the Outbound Campaigns service principal there, so a campaign that would get it by default is
// refused before anything starts; one that asks for it by name starts (on the real Temporal server,
// on a task queue no worker polls, so nothing calls AWS).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { campaignWorkflowId } from '../src/domain/campaign';
import { closeTestTemporal, testTemporal, type TestTemporal } from './support/temporal';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'connect-dialer.cjs');

let temporal: TestTemporal;
let work: string;
const started: string[] = [];

async function start(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // A folder without .env, and an environment without CONNECT_ENDPOINT: real AWS as far as the CLI knows.
  const { CONNECT_ENDPOINT: _endpoint, ...env } = process.env;
  const flags = ['start', '--file', join(root, 'examples', 'demo-dial-list.csv'), '--instance-id', 'instance-1', '--queue-id', 'queue-1'];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...flags, ...args], {
      cwd: work,
      env: {
        ...env,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace ?? 'default',
        TEMPORAL_TASK_QUEUE: `nobody-${randomUUID()}`,
        AWS_REGION: 'eu-west-2',
      },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('start against real AWS', { timeout: 300_000 }, () => {
  before(async () => {
    temporal = await testTemporal();
    work = mkdtempSync(join(tmpdir(), 'connect-dialer-aws-'));
  });
  after(async () => {
    for (const id of started) {
      await temporal.client.workflow
        .getHandle(campaignWorkflowId(id))
        .terminate('test over')
        .catch(() => undefined);
    }
    await closeTestTemporal();
    rmSync(work, { recursive: true, force: true });
  });

  test('a BatchPutContact campaign by default is refused at start with the reason and the way out (exit 2), and nothing starts', async () => {
    const id = `aws-default-${randomUUID().slice(0, 8)}`;
    const run = await start('--campaign-id', id);
    assert.equal(run.code, 2, `exit ${run.code}; stderr:\n${run.stderr}`);
    assert.match(
      run.stderr,
      /^submission\.api: against AWS eu-west-2 \(no CONNECT_ENDPOINT\) BatchPutContact.*reserved to the Amazon Connect Outbound Campaigns service principal/m,
    );
    assert.match(run.stderr, /--v2-campaign-id <id>/);
    assert.match(run.stderr, /--api batch-put-contact/);
    const described = await temporal.client.workflow
      .getHandle(campaignWorkflowId(id))
      .describe()
      .then(
        () => 'started',
        () => 'absent',
      );
    assert.equal(described, 'absent', 'the refused campaign was started anyway');
  });

  test('the same campaign starts when it asks for BatchPutContact by name, with --api or in its --config file', async () => {
    const flagged = `aws-flag-${randomUUID().slice(0, 8)}`;
    started.push(flagged);
    const run = await start('--campaign-id', flagged, '--api', 'batch-put-contact');
    assert.equal(run.code, 0, `exit ${run.code}; stderr:\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`^Started: campaign ${flagged}`, 'm'));

    const configured = `aws-config-${randomUUID().slice(0, 8)}`;
    started.push(configured);
    const config = join(work, 'campaign.json');
    writeFileSync(config, JSON.stringify({ submission: { api: 'batch-put-contact' } }));
    const fromConfig = await start('--campaign-id', configured, '--config', config);
    assert.equal(fromConfig.code, 0, `exit ${fromConfig.code}; stderr:\n${fromConfig.stderr}`);
    assert.match(fromConfig.stdout, new RegExp(`^Started: campaign ${configured}`, 'm'));
  });
});
