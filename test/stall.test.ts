import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { stallOf, STALLED_AFTER_TIMED_OUT_ATTEMPTS } from '../src/campaign-stall';
import { CampaignClient } from '../src/client';
import type { CampaignResult } from '../src/domain/progress';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { closeTestTemporal, testTemporal } from './support/temporal';
import { eventually } from './support/eventually';

let worker: Worker;
let running: Promise<void>;
let campaigns: CampaignClient;
let address: string;
let stack: Stack;
const bin = join(__dirname, '..', 'bin', 'connect-dialer.cjs');

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
  stack = await startStack();
});
after(async () => {
  worker?.shutdown();
  await running;
  await stack?.stop();
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

/**
 * What the server sees of a worker that takes a workflow task and dies (SIGKILL, a lost host)
 * before it answers: the task times out after the workflow task timeout (10 s) and goes to
 * the next worker as its next attempt. Answers the attempt it took.
 */
async function takeWorkflowTaskAndDie(client: Client, taskQueue: string): Promise<number> {
  for (;;) {
    const task = await client.connection.withDeadline(Date.now() + 90_000, () =>
      client.workflowService.pollWorkflowTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        identity: 'a worker about to die',
      }),
    );
    if (task.taskToken?.length) return task.attempt;
  }
}

describe('a campaign whose workers die', () => {
  test('is no stall: start --wait rides through a SIGKILLed worker and two more that died holding its workflow task, and exits 0', async () => {
    const campaignId = uniqueCampaignId('worker-deaths');
    const taskQueue = `${stack.taskQueue}-deaths`;
    const temporalEnv = await testTemporal();
    const first = stack.spawnWorkerProcess(taskQueue);
    const file = join(stack.dataDir, `${campaignId}.csv`);
    await writeFile(file, ['RequestIdentifier,PhoneNumber', ...Array.from({ length: 200 }, (_, i) => `r-${i},+1415555${String(i).padStart(4, '0')}`)].join('\n'));
    const waiting = spawn(
      process.execPath,
      [bin, 'start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--batch-size', '10', '--rate', '2', '--wait', '--json'],
      { env: { ...process.env, TEMPORAL_ADDRESS: temporalEnv.address, TEMPORAL_TASK_QUEUE: taskQueue, CONNECT_ENDPOINT: stack.emulator.url }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    waiting.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    waiting.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolveExit) => waiting.on('close', resolveExit));
    const deaths = new CampaignClient(stack.campaigns.client, { taskQueue });
    const voiceContacts = (): number => stack.emulator.contacts({ channel: 'VOICE' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`)).length;
    try {
      await eventually('40 contacts before the kill', () => voiceContacts() >= 40, { timeoutMs: 90_000, intervalMs: 100 });
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      assert.ok(voiceContacts() < 200, 'the campaign finished before the kill');

      // A signal gives the campaign a workflow task (a no-op resume); it waits out the dead
      // worker's sticky queue, then two workers in turn take it and die.
      await deaths.resume(campaignId);
      await takeWorkflowTaskAndDie(stack.campaigns.client, taskQueue);
      const attempt = await takeWorkflowTaskAndDie(stack.campaigns.client, taskQueue);
      assert.ok(attempt >= 2, `the task is on attempt ${attempt}`);
      assert.equal(await deaths.stall(campaignId), undefined, `attempt ${attempt} after worker deaths is no stall`);

      stack.spawnWorkerProcess(taskQueue);
      const code = await exited;
      assert.equal(code, 0, `start --wait exits 0 after riding through the deaths: ${stderr}`);
      const result = JSON.parse(stdout) as CampaignResult;
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 200);
      const tokens = stack.emulator.contacts({ channel: 'VOICE' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`));
      assert.equal(new Set(tokens.map((c) => c.requestIdentifier)).size, 200, 'every entry called');
      assert.equal(tokens.length, 200, 'no entry called twice');
    } finally {
      waiting.kill('SIGKILL');
    }
  });
});

describe('stallOf: what the start of a workflow task streak says', () => {
  const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
  const failed = (cause: temporal.api.enums.v1.WorkflowTaskFailedCause, message?: string): temporal.api.history.v1.IHistoryEvent => ({
    workflowTaskFailedEventAttributes: { cause, failure: message === undefined ? undefined : { message } },
  });
  const timedOut: temporal.api.history.v1.IHistoryEvent = { workflowTaskTimedOutEventAttributes: {} };
  const completed: temporal.api.history.v1.IHistoryEvent = { workflowTaskCompletedEventAttributes: {} };
  const scheduled: temporal.api.history.v1.IHistoryEvent = { workflowTaskScheduledEventAttributes: {} };

  test('a task a worker fails is stalled from its second attempt, with the failure', () => {
    const events = [scheduled, failed(Cause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR, '[TMPRL1100] Nondeterminism error'), completed];
    assert.equal(stallOf(1, events), undefined);
    assert.deepEqual(stallOf(2, events), { attempt: 2, kind: 'failing', message: '[TMPRL1100] Nondeterminism error' });
    assert.match(stallOf(2, [failed(Cause.WORKFLOW_TASK_FAILED_CAUSE_GRPC_MESSAGE_TOO_LARGE)])?.message ?? '', /GRPC_MESSAGE_TOO_LARGE/);
  });

  test(`a task that timed out (its worker died) is no stall until ${STALLED_AFTER_TIMED_OUT_ATTEMPTS} attempts have not completed`, () => {
    const events = [scheduled, timedOut, completed, failed(Cause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE, 'an older streak')];
    for (let attempt = 2; attempt < STALLED_AFTER_TIMED_OUT_ATTEMPTS; attempt++) assert.equal(stallOf(attempt, events), undefined, `attempt ${attempt}`);
    assert.equal(stallOf(STALLED_AFTER_TIMED_OUT_ATTEMPTS, events)?.kind, 'not-completing');
  });

  test('a sticky queue reset or a raced completion counts like a timeout, not a failure', () => {
    assert.equal(stallOf(3, [failed(Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE, 'sticky reset')]), undefined);
    assert.equal(stallOf(3, [failed(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND)]), undefined);
  });
});
