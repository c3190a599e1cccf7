import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { temporal as proto } from '@temporalio/proto';
import { CampaignClient } from '../src/client';
import { campaignWorkflowId } from '../src/domain/campaign';
import { connectQueues, fairnessKeyFor } from '../src/domain/connect-queues';
import { startEmulator, type Emulator } from '../src/emulator';
import { openTestStore, type TestStore } from './support/database';
import { campaignDefaults } from './support/stack';
import { closeTestTemporal, testTemporal } from './support/temporal';
import { eventually } from './support/eventually';

/**
 * Two worker "hosts": separate processes with separate local folders, sharing only the
 * Temporal server, PostgreSQL and Connect — as teams run workers on several machines.
 */
let emulator: Emulator;
let testStore: TestStore;
let workDir: string;
const hosts: { child: ChildProcess; dataDir: string }[] = [];

before(async () => {
  emulator = await startEmulator({ quiet: true });
  testStore = await openTestStore('postgres');
  workDir = await mkdtemp(join(tmpdir(), 'connect-dialer-multi-host-'));
});
after(async () => {
  for (const h of hosts) h.child.kill('SIGKILL');
  await emulator?.stop();
  await testStore?.close();
  for (const h of hosts) await rm(h.dataDir, { recursive: true, force: true });
  if (workDir) await rm(workDir, { recursive: true, force: true });
  await closeTestTemporal();
});

async function startHost(taskQueue: string): Promise<ChildProcess> {
  const temporal = await testTemporal();
  const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-host-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'worker.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CONNECT_ENDPOINT: emulator.url,
      CONNECT_DIALER_DATA_DIR: dataDir,
      DATABASE_URL: testStore.databaseUrl,
      CONNECT_BATCH_PUT_CONTACT_RATE: '40',
    },
    stdio: 'ignore',
  });
  hosts.push({ child, dataDir });
  return child;
}

void describe('workers on two hosts sharing one PostgreSQL', () => {
  void test('a 5,000-entry campaign staged on one completes across both, one killed with SIGKILL: every valid entry created exactly once, no phone number in history', async () => {
    const taskQueue = `multi-host-${randomUUID()}`;
    const campaignId = `multi-host-${randomUUID().slice(0, 8)}`;
    const rows = ['RequestIdentifier,PhoneNumber'];
    const invalid = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      if (i % 100 === 42) invalid.add(i);
      rows.push(`mh-${i},${invalid.has(i) ? 'not-a-number' : `+1415${String(5_000_000 + i).padStart(7, '0')}`}`);
    }
    const path = join(workDir, 'list.csv');
    await writeFile(path, rows.join('\n'));

    const first = await startHost(taskQueue);
    const temporal = await testTemporal();
    const campaigns = new CampaignClient(temporal.client, { taskQueue, store: testStore.store });
    emulator.configure({ latencyMs: 40 });
    await campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      pacing: { batchSize: 25, batchesInFlight: 4, adaptive: true },
      dialList: { kind: 'file', path },
    });
    // Staged on the first host (the only one running), then the second host joins.
    await eventually('the list to be staged', () => testStore.store.stagingSummary(campaignWorkflowId(campaignId)), { timeoutMs: 60_000, intervalMs: 100 });
    assert.ok(await testStore.store.stagingSummary(campaignWorkflowId(campaignId)), 'the first host staged the list');
    await startHost(taskQueue);
    const voice = (): number => emulator.contacts().filter((c) => c.channel === 'VOICE').length;
    await eventually('1,500 voice contacts', () => voice() >= 1500, { timeoutMs: 60_000, intervalMs: 100 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    assert.ok(voice() < 4950, `the campaign finished before the kill (${voice()} contacts)`);

    const result = await campaigns.result(campaignId);
    emulator.configure({ latencyMs: 0 });
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
    assert.equal(result.total, 5000);
    assert.equal(result.outcomes.REJECTED, invalid.size);
    assert.equal(result.outcomes.CREATED, 5000 - invalid.size);
    const contacts = emulator.contacts().filter((c) => c.channel === 'VOICE');
    const byId = new Map<string, number>();
    for (const c of contacts) byId.set(c.requestIdentifier ?? '', (byId.get(c.requestIdentifier ?? '') ?? 0) + 1);
    assert.equal(contacts.length, 5000 - invalid.size, 'one contact per valid entry');
    assert.equal([...byId.values()].filter((n) => n > 1).length, 0, 'no entry created twice');
    assert.ok(
      [...invalid].every((i) => !byId.has(`mh-${i}`)),
      'no invalid entry sent',
    );
    assert.deepEqual(await testStore.store.outcomeCounts(campaignWorkflowId(campaignId)), { ...result.outcomes });

    // Both hosts made Connect calls: the batch activities' workers, from the history.
    const identities = new Set<string>();
    let runId: string | undefined;
    const batchQueue = connectQueues(taskQueue, 'us-east-1').batchPutContact;
    let contactDataInHistory = 0;
    for await (const run of temporal.client.workflow.list({ query: `WorkflowId = '${campaignWorkflowId(campaignId)}'` })) {
      runId = run.runId;
      const history = await temporal.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      // Payloads are bytes: search the encoded history for the numbers' common prefix.
      if (Buffer.from(proto.api.history.v1.History.encode(history).finish()).includes('+1415500')) contactDataInHistory++;
      const scheduledOn = new Map<string, string>();
      for (const e of history.events ?? []) {
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (scheduled) scheduledOn.set(String(e.eventId), scheduled.taskQueue?.name ?? '');
        if (scheduled?.activityType?.name === 'putContactBatch') {
          // The shared-rate queue, and the campaign as its fairness key.
          assert.equal(scheduled.taskQueue?.name, batchQueue);
          assert.equal(scheduled.priority?.fairnessKey, fairnessKeyFor(campaignWorkflowId(campaignId)));
        }
        const started = e.activityTaskStartedEventAttributes;
        if (started && scheduledOn.get(String(started.scheduledEventId)) === batchQueue) identities.add(started.identity ?? '');
      }
    }
    assert.ok(runId, 'the campaign has runs');
    assert.equal(contactDataInHistory, 0, "no phone number in any run's history (invariant 5)");
    assert.ok(identities.size >= 2, `batches ran on ${identities.size} worker(s): ${[...identities].join(', ')}`);
  });
});
