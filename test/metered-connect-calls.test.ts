// Every HTTP request to Connect is an activity attempt on a metered task queue: the worker's
// SDK clients make one try per attempt, and an activity's cancellation aborts its HTTP call.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CampaignClient } from '../src/client';
import { createActivities } from '../src/activities';
import { createConnectClient } from '../src/connect-client';
import { packEntries } from '../src/domain/batch';
import type { BatchInput } from '../src/activities/batch-put-contact';
import type { StagedEntry } from '../src/domain/contact-entry';
import type { CampaignStore } from '../src/storage/campaign-store';
import { batchClientToken } from '../src/domain/client-token';
import { eventually } from './support/eventually';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

describe('metered Connect calls', () => {
  test('a 429 and a 500 are retried as activity attempts: one HTTP request each, all with the same token', async () => {
    const campaignId = uniqueCampaignId('metered');
    const taskQueue = `${stack.taskQueue}-metered`;
    // src/worker.ts as operators run it, so the clients are the product's own (src/connect-client.ts).
    const child = stack.spawnWorkerProcess(taskQueue);
    const campaigns = new CampaignClient(stack.campaigns.client, { taskQueue, store: stack.store });
    const callsBefore = stack.emulator.stats().calls.BatchPutContact;
    stack.emulator.setFaults({
      schedule: [
        { operation: 'BatchPutContact', times: 1, error: 'ThrottlingException' },
        { operation: 'BatchPutContact', times: 1, error: 'InternalServiceException' },
      ],
    });
    try {
      await campaigns.start({
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        dialList: { kind: 'inline', entries: [entry(1, { RequestIdentifier: `${campaignId}-1` })] },
      });
      const result = await campaigns.result(campaignId);
      assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
      assert.equal(result.outcomes.CREATED, 1);
      const requests = stack.emulator.stats().calls.BatchPutContact - callsBefore;
      const history = await campaigns.client.workflow.getHandle(`campaign-${campaignId}`).fetchHistory();
      const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
      // The batch is the only Connect call; the other activities (staging, pages) answer at their first attempt.
      const batchAttempts = Math.max(...attempts);
      assert.equal(requests, 3, 'a 429, a 500, then the answer');
      assert.equal(batchAttempts, requests, `one HTTP request per activity attempt (attempts seen: ${JSON.stringify(attempts)})`);
      const contacts = stack.emulator.contacts().filter((c) => c.clientToken === batchClientToken(`campaign-${campaignId}`, 1));
      assert.equal(contacts.length, 1, 'the batch token created the one contact');
    } finally {
      child.kill('SIGKILL');
      stack.emulator.setFaults({});
    }
  });

  test("an activity's cancellation aborts its HTTP call to Connect", async () => {
    // A Connect that never answers, and notes when a caller hangs up on it.
    const requests: { closedBeforeAnswer: boolean }[] = [];
    const slow: Server = createServer((req, res) => {
      const seen = { closedBeforeAnswer: false };
      requests.push(seen);
      res.on('close', () => (seen.closedBeforeAnswer = !res.writableEnded));
      req.resume();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const connect = createConnectClient({ CONNECT_ENDPOINT: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, AWS_REGION: 'us-east-1' });
    const staged: StagedEntry = { index: 0, entry: { RequestIdentifier: 'c-0', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550100' } } };
    // The one store method the call reads before sending; nothing is recorded, the call never answers.
    const store = { stagedEntries: () => Promise.resolve([staged]) } as unknown as CampaignStore;
    const activities = createActivities({ connect, store, connectQueues: { batchPutContact: 'q', outboundRequests: 'q', chat: 'q' } });
    const env = new MockActivityEnvironment();
    try {
      const call = env.run((input: BatchInput) => activities.putContactBatch(input), {
        campaignKey: 'campaign-abort',
        instanceId: 'instance-1',
        seq: 1,
        defaults: campaignDefaults,
        entries: packEntries([[0, 1]]),
      });
      const outcome = Promise.race([
        call.then(
          () => 'answered',
          (err: Error) => err.name,
        ),
        sleep(30_000).then(() => 'still waiting 30 s after the cancellation'),
      ]);
      await eventually('the call to reach Connect', () => requests.length > 0);
      env.cancel('CANCELLED');
      assert.equal(await outcome, 'AbortError', 'the call ends as aborted, not after its request timeout');
      await eventually('Connect to see the request abandoned before it answered', () => requests[0]?.closedBeforeAnswer === true);
      assert.equal(requests.length, 1);
    } finally {
      connect.destroy();
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });
});
