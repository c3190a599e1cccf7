import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { OutcomeRecord } from '../src/domain/outcome';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { CampaignClient } from '../src/client';
import { workflowBundle } from '../src/worker';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';
import { campaignStatusKey } from '../src/domain/search-attributes';
import { cliEnvFor, runCli, type CliRun } from './support/cli-process';

let stack: Stack;
const finishedWorkflowIds: string[] = [];

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

async function run(spec: CampaignSpecInput) {
  const started = await stack.campaigns.start(spec);
  finishedWorkflowIds.push(started.workflowId);
  return stack.campaigns.result(started.campaignId);
}

/** The CLI as an operator runs it, against this stack. */
async function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, await cliEnvFor(stack));
}

async function outcomesOf(campaignId: string): Promise<OutcomeRecord[]> {
  const records: OutcomeRecord[] = [];
  for await (const r of stack.campaigns.report(campaignId)) records.push(r);
  return records;
}

function voiceContactsOf(campaignId: string) {
  return stack.emulator.contacts().filter((c) => c.channel === 'VOICE' && c.clientToken?.startsWith(`campaign-${campaignId}/`));
}

function assertNoDuplicates(campaignId: string): void {
  const ids = voiceContactsOf(campaignId).map((c) => c.requestIdentifier);
  assert.equal(new Set(ids).size, ids.length, 'a RequestIdentifier was created twice');
  assert.equal(stack.emulator.stats().duplicates, 0);
}

describe('campaign workflow', () => {
  test('100 contacts go out as 4 batches and create 100 contacts', async () => {
    stack.emulator.reset();
    const campaignId = uniqueCampaignId('first');
    const result = await run({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      dialList: { kind: 'inline', entries: Array.from({ length: 100 }, (_, i) => entry(i)) },
    });
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.total, 100);
    assert.equal(result.outcomes.CREATED, 100);
    assert.equal(result.batchesSent, 4);
    assert.equal(stack.emulator.stats().calls.BatchPutContact, 4);
    assert.equal(voiceContactsOf(campaignId).length, 100);
    const records = await outcomesOf(campaignId);
    assert.equal(records.filter((r) => r.outcome === 'CREATED' && r.contactId).length, 100);
    assertNoDuplicates(campaignId);
  });

  test('1,000 contacts from a CSV with 5% bad entries: good ones created once, bad ones REJECTED with their reason', async () => {
    const campaignId = uniqueCampaignId('csv');
    const rows = ['RequestIdentifier,PhoneNumber,FirstName'];
    const bad = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      if (i % 20 === 7) {
        bad.add(i);
        rows.push(`c-${i},not-a-number,Bad${i}`);
      } else {
        rows.push(`c-${i},+1415555${String(i).padStart(4, '0')},Name${i}`);
      }
    }
    const path = join(stack.dataDir, `${campaignId}.csv`);
    await writeFile(path, rows.join('\n'));
    const result = await run({ campaignId, instanceId: 'instance-1', defaults: campaignDefaults, dialList: { kind: 'file', path } });
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.total, 1000);
    assert.equal(result.outcomes.REJECTED, 50);
    assert.equal(result.outcomes.CREATED, 950);
    assert.equal(result.outcomes.REJECTED + result.outcomes.CREATED, result.total);
    const records = await outcomesOf(campaignId);
    assert.equal(records.length, 1000);
    for (const r of records.filter((x) => x.outcome === 'REJECTED')) {
      assert.equal(r.field, 'CustomerEndpoint.Address');
      assert.match(r.message ?? '', /E\.164/);
      assert.ok(bad.has(Number(r.requestIdentifier.slice(2))));
    }
    assert.equal(voiceContactsOf(campaignId).length, 950);
    const created = voiceContactsOf(campaignId).find((c) => c.requestIdentifier === 'c-1');
    assert.equal(created?.attributes?.FirstName, 'Name1');
    assertNoDuplicates(campaignId);

    // The service's report: one CSV row per entry, the ContactId Connect returned.
    const written = await stack.campaigns.writeReport(campaignId, join(stack.dataDir, `${campaignId}-report.csv`), 'csv');
    assert.equal(written.records, 1000);
    const csv = (await readFile(written.path, 'utf8')).trimEnd().split('\n');
    assert.equal(csv[0], 'RequestIdentifier,Index,Outcome,ContactId,RelatedContactId,FailureCode,Field,Message');
    assert.equal(csv.length, 1001);
    assert.equal(csv.find((l) => l.startsWith('c-1,'))?.split(',')[3], created?.contactId);
    assert.match(csv.find((l) => l.startsWith('c-7,')) ?? '', /^c-7,7,REJECTED,,,,CustomerEndpoint\.Address,.*E\.164/);
  });

  test('a client without an outcome store says how to read reports', () => {
    const bare = new CampaignClient(stack.campaigns.client);
    assert.throws(() => bare.report('any'), /no campaign store: pass \{ store: createCampaignStore/);
  });

  test('30% throttled and 5% INTERNAL_ERROR entries: all end CREATED once, retries visible', async () => {
    stack.emulator.setFaults({ entryThrottleRate: 0.3, entryInternalErrorRate: 0.05, seed: 7 });
    try {
      const campaignId = uniqueCampaignId('faults');
      const result = await run({
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        lanes: {
          throttled: { initialBackoffMs: 20, maxBackoffMs: 200 },
          internal: { initialBackoffMs: 20, maxBackoffMs: 200, maxAttempts: 10 },
        },
        pacing: { batchSize: 25, batchesInFlight: 4, adaptive: false },
        dialList: { kind: 'inline', entries: Array.from({ length: 500 }, (_, i) => entry(i)) },
      });
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 500);
      assert.ok(result.retries > 100, `expected many retries, got ${result.retries}`);
      assert.ok(result.batchesSent > 20);
      assert.equal(voiceContactsOf(campaignId).length, 500);
      assertNoDuplicates(campaignId);
    } finally {
      stack.emulator.setFaults({});
    }
  });

  test('85% of entries throttled at random, adaptive pace: every entry ends CREATED exactly once, re-sent at the pace', async () => {
    stack.emulator.setFaults({ entryThrottleRate: 0.85, seed: 11 });
    try {
      const campaignId = uniqueCampaignId('throttled-85');
      const result = await run({
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        pacing: { batchSize: 25, batchesInFlight: 4, adaptive: true },
        dialList: { kind: 'inline', entries: Array.from({ length: 150 }, (_, i) => entry(i)) },
      });
      assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
      assert.deepEqual(result.outcomes, { ...result.outcomes, CREATED: 150, FAILED: 0 });
      // About 150 / 0.15 = 1,000 sends, mostly in full batches: retries go in the next batches, not one by one after a backoff.
      assert.ok(result.retries > 500, `expected many re-sends, got ${result.retries}`);
      assert.ok(result.batchesSent < (150 + result.retries) / 10, `${result.batchesSent} batches for ${150 + result.retries} sends`);
      assert.equal(voiceContactsOf(campaignId).length, 150);
      assertNoDuplicates(campaignId);
    } finally {
      stack.emulator.setFaults({});
    }
  });

  test('each lane spends its own attempt budget: 3 throttles then an INTERNAL_ERROR is retried; 4 INTERNAL_ERRORs give up', async () => {
    const campaignId = uniqueCampaignId('lanes');
    const id = (i: number): string => `${campaignId}-${i}`;
    const entries = Array.from({ length: 10 }, (_, i) => entry(i, { RequestIdentifier: id(i) }));
    stack.emulator.setFaults({
      schedule: [
        { requestIdentifier: id(1), failureReasonCode: 'REQUEST_THROTTLED', times: 3 },
        { requestIdentifier: id(1), failureReasonCode: 'INTERNAL_ERROR', times: 1 },
        { requestIdentifier: id(2), failureReasonCode: 'INTERNAL_ERROR', times: 4 },
      ],
    });
    const quick = { initialBackoffMs: 10, maxBackoffMs: 50 };
    const result = await run({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      lanes: { throttled: quick, internal: quick },
      pacing: { batchSize: 25, batchesInFlight: 1, adaptive: false },
      dialList: { kind: 'inline', entries },
    }).finally(() => stack.emulator.setFaults({}));
    const records = await outcomesOf(campaignId);
    const of = (i: number): OutcomeRecord | undefined => records.find((r) => r.requestIdentifier === id(i));
    assert.equal(of(1)?.outcome, 'CREATED', `throttled 3 times, then one INTERNAL_ERROR: ${JSON.stringify(of(1))}`);
    assert.equal(of(2)?.outcome, 'FAILED');
    assert.match(of(2)?.message ?? '', /gave up after 4 internal failures \(4 sends in all\)/);
    assert.equal(result.outcomes.CREATED, 9);
    assert.equal(result.outcomes.FAILED, 1);
  });

  test('permanent failure codes end FAILED with code and message, never retried', async () => {
    const campaignId = uniqueCampaignId('permanent');
    const entries = Array.from({ length: 30 }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` }));
    stack.emulator.setFaults({ schedule: [{ requestIdentifier: `${campaignId}-3`, failureReasonCode: 'INVALID_QUEUE', times: 5 }] });
    const result = await run({ campaignId, instanceId: 'instance-1', defaults: campaignDefaults, dialList: { kind: 'inline', entries } }).finally(() =>
      stack.emulator.setFaults({}),
    );
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.outcomes.CREATED, 29);
    assert.equal(result.outcomes.FAILED, 1);
    assert.equal(result.retries, 0);
    const failed = (await outcomesOf(campaignId)).find((r) => r.outcome === 'FAILED');
    assert.equal(failed?.requestIdentifier, `${campaignId}-3`);
    assert.equal(failed?.failureCode, 'INVALID_QUEUE');
  });

  test('forced continue-as-new over several runs keeps totals and outcomes exact', async () => {
    const campaignId = uniqueCampaignId('can');
    const result = await run({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      pacing: { batchSize: 10, batchesInFlight: 2, adaptive: true },
      continueAsNewAfterBatches: 5,
      dialList: { kind: 'inline', entries: Array.from({ length: 200 }, (_, i) => entry(i)) },
    });
    assert.equal(result.status, 'COMPLETED');
    assert.ok(result.runs >= 4, `expected several runs, got ${result.runs}`);
    assert.equal(result.outcomes.CREATED, 200);
    assert.equal(result.batchesSent, 20);
    assert.equal(voiceContactsOf(campaignId).length, 200);
    assert.equal((await outcomesOf(campaignId)).length, 200);
    assertNoDuplicates(campaignId);
  });

  test('403 from Connect pauses the campaign with what to fix; after the fix, `resume` completes every entry exactly once', async () => {
    stack.emulator.configure({ deniedAccessKeyIds: ['test'] });
    const campaignId = uniqueCampaignId('denied');
    try {
      const callsBefore = stack.emulator.stats().calls.BatchPutContact;
      const started = await stack.campaigns.start({
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true },
        dialList: { kind: 'inline', entries: Array.from({ length: 200 }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` })) },
      });
      finishedWorkflowIds.push(started.workflowId);
      const paused = await eventually('the campaign to pause', async () => {
        const p = await stack.campaigns.progress(campaignId);
        return p.status === 'PAUSED' ? p : undefined;
      });
      assert.match(
        paused.pauseReason ?? '',
        /denied BatchPutContact on instance instance-1 \(AccessDeniedException: .*\): fix the worker's IAM permissions for connect:BatchPutContact/,
      );
      assert.equal(paused.outcomes.FAILED + paused.outcomes.CANCELLED, 0, 'nothing failed or cancelled');
      assert.equal(paused.retrying, 25, 'the refused batch is held for the resume');
      const description = await stack.campaigns.client.workflow.getHandle(started.workflowId).describe();
      assert.equal(description.typedSearchAttributes.get(campaignStatusKey), 'PAUSED');
      assert.equal(stack.emulator.stats().calls.BatchPutContact - callsBefore, 1, 'one call, not retried');
      // What an operator sees: the reason, with what to fix and the command that goes on.
      const status = await cli('status', '--campaign-id', campaignId);
      assert.match(status.stdout, /PAUSED/);
      assert.match(status.stdout, /fix the worker's IAM permissions for connect:BatchPutContact.*connect-dialer resume --campaign-id/s);

      stack.emulator.configure({ deniedAccessKeyIds: [] }); // the IAM policy is fixed
      const resumed = await cli('resume', '--campaign-id', campaignId);
      assert.equal(resumed.code, 0, resumed.stderr);
      const result = await stack.campaigns.result(campaignId);
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 200);
      assert.equal(result.batchesSent, 8);
      assert.equal(voiceContactsOf(campaignId).length, 200);
      assertNoDuplicates(campaignId);
      const records = await outcomesOf(campaignId);
      assert.equal(records.length, 200);
      assert.ok(
        records.every((r) => r.outcome === 'CREATED'),
        JSON.stringify(records.filter((r) => r.outcome !== 'CREATED')),
      );
    } finally {
      stack.emulator.configure({ deniedAccessKeyIds: [] });
    }
  });

  test('cancel from a pause for a missing instance (404) ends the campaign with every entry CANCELLED', async () => {
    const campaignId = uniqueCampaignId('missing');
    stack.emulator.configure({ missingInstanceIds: ['no-such-instance'] });
    const started = await stack.campaigns.start({
      campaignId,
      instanceId: 'no-such-instance',
      defaults: campaignDefaults,
      pacing: { batchSize: 25, batchesInFlight: 2, adaptive: true },
      dialList: { kind: 'inline', entries: Array.from({ length: 120 }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` })) },
    });
    finishedWorkflowIds.push(started.workflowId);
    const paused = await eventually('the campaign to pause', async () => {
      const p = await stack.campaigns.progress(campaignId);
      return p.status === 'PAUSED' && p.batchesInFlight === 0 ? p : undefined;
    });
    assert.match(paused.pauseReason ?? '', /no instance, queue or flow matching BatchPutContact on instance no-such-instance \(ResourceNotFoundException/);
    await stack.campaigns.cancel(campaignId, 'wrong instance id');
    const result = await stack.campaigns.result(campaignId);
    assert.equal(result.status, 'CANCELLED');
    assert.equal(result.outcomes.CANCELLED, 120);
    assert.equal(result.outcomes.FAILED, 0);
    const records = await outcomesOf(campaignId);
    assert.equal(records.length, 120);
    assert.ok(records.every((r) => r.outcome === 'CANCELLED'));
    stack.emulator.configure({ missingInstanceIds: [] });
  });

  test('starting a running campaign again returns the running one; a finished one cannot be rerun under its id', async () => {
    stack.emulator.configure({ latencyMs: 50 });
    try {
      const campaignId = uniqueCampaignId('twice');
      const spec: CampaignSpecInput = {
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        dialList: { kind: 'inline', entries: Array.from({ length: 200 }, (_, i) => entry(i)) },
      };
      const first = await stack.campaigns.start(spec);
      const second = await stack.campaigns.start(spec);
      assert.equal(first.alreadyRunning, false);
      assert.equal(second.alreadyRunning, true);
      assert.equal(second.runId, first.runId);
      const result = await stack.campaigns.result(campaignId);
      assert.equal(result.outcomes.CREATED, 200);
      await assert.rejects(stack.campaigns.start(spec), { name: 'CampaignAlreadyRanError', message: /new --campaign-id/ });
      assert.equal(voiceContactsOf(campaignId).length, 200);
    } finally {
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  test('a batch Connect refuses as invalid is split until the offending entry is isolated', async () => {
    const campaignId = uniqueCampaignId('split');
    // Calls 1-3 answer 400: the batch of 25 and then two of its halves.
    stack.emulator.setFaults({ schedule: [{ operation: 'BatchPutContact', times: 3, error: 'InvalidRequestException' }] });
    const result = await run({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true },
      dialList: { kind: 'inline', entries: Array.from({ length: 25 }, (_, i) => entry(i)) },
    }).finally(() => stack.emulator.setFaults({}));
    assert.equal(result.outcomes.CREATED, 25);
    assert.ok(result.batchesSent >= 6, `expected the batch split, sent ${result.batchesSent}`);
    assertNoDuplicates(campaignId);

    const single = uniqueCampaignId('split-one');
    stack.emulator.setFaults({ schedule: [{ operation: 'BatchPutContact', times: 1, error: 'InvalidRequestException' }] });
    const alone = await run({
      campaignId: single,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      dialList: { kind: 'inline', entries: [entry(1)] },
    }).finally(() => stack.emulator.setFaults({}));
    assert.equal(alone.status, 'COMPLETED');
    assert.equal(alone.outcomes.FAILED, 1);
    assert.equal(alone.byFailureCode.INVALID_REQUEST, 1);
  });

  test('a dial list that cannot be read fails the campaign with the reason', async () => {
    const campaignId = uniqueCampaignId('nofile');
    const missing = join(stack.dataDir, 'no-such-list.csv');
    const result = await run({ campaignId, instanceId: 'instance-1', defaults: campaignDefaults, dialList: { kind: 'file', path: missing } });
    assert.equal(result.status, 'FAILED');
    assert.match(result.reason ?? '', /dial list path/);
    assert.ok(result.reason?.includes(missing), result.reason);
    assert.equal(result.total, 0);
  });

  test('a list whose every entry is rejected (no queue anywhere) ends FAILED with the common reason, sending nothing', async () => {
    const campaignId = uniqueCampaignId('allrejected');
    const file = join(stack.dataDir, `${campaignId}.jsonl`);
    await writeFile(file, Array.from({ length: 20 }, (_, i) => JSON.stringify(entry(i, { RequestIdentifier: `${campaignId}-${i}` }))).join('\n'));
    const { QueueId: _forgotten, ...noQueue } = campaignDefaults;
    const result = await run({ campaignId, instanceId: 'instance-1', defaults: noQueue, dialList: { kind: 'file', path: file } });
    assert.equal(result.status, 'FAILED', JSON.stringify(result));
    assert.match(result.reason ?? '', /^every entry was rejected, nothing was sent; all 20 for QueueId: neither QueueId nor SystemEndpoint is set/);
    assert.equal(result.outcomes.REJECTED, 20);
    assert.equal(result.batchesSent, 0);
    assert.equal(voiceContactsOf(campaignId).length, 0);
    assert.equal((await outcomesOf(campaignId)).filter((r) => r.outcome === 'REJECTED').length, 20);
  });

  test('a worker killed with SIGKILL mid-campaign and replaced: no duplicates, no loss', async () => {
    const campaignId = uniqueCampaignId('kill9');
    const taskQueue = `${stack.taskQueue}-kill9`;
    const child = stack.spawnWorkerProcess(taskQueue);
    stack.emulator.configure({ latencyMs: 150 });
    const { CampaignClient } = await import('../src/client');
    const campaigns = new CampaignClient(stack.campaigns.client, { taskQueue, store: stack.store });
    try {
      await campaigns.start({
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        pacing: { batchSize: 25, batchesInFlight: 2, adaptive: true },
        dialList: { kind: 'inline', entries: Array.from({ length: 600 }, (_, i) => entry(i)) },
      });
      finishedWorkflowIds.push(`campaign-${campaignId}`);
      await eventually('100 voice contacts', () => voiceContactsOf(campaignId).length >= 100, { timeoutMs: 60_000, intervalMs: 100 });
      assert.ok(voiceContactsOf(campaignId).length >= 100, 'the child worker never got going');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const before = voiceContactsOf(campaignId).length;
      assert.ok(before < 600, 'the campaign finished before the kill');

      const replacement = await stack.createWorker(taskQueue);
      const result = await replacement.runUntil(campaigns.result(campaignId));
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 600);
      assert.equal(voiceContactsOf(campaignId).length, 600);
      assert.equal((await outcomesOf(campaignId)).length, 600);
      assertNoDuplicates(campaignId);
    } finally {
      child.kill('SIGKILL');
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  test('recorded histories replay without nondeterminism', async () => {
    assert.ok(finishedWorkflowIds.length >= 5);
    const bundle = await workflowBundle();
    for (const workflowId of finishedWorkflowIds) {
      const history = await stack.campaigns.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
    }
  });
});
