// Campaigns submitted through Outbound Campaigns v2 (PutOutboundRequestBatch): the real worker,
// the real Temporal dev server and the real @aws-sdk/client-connectcampaignsv2 against the emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CampaignClient } from '../src/client';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { outboundRequestClientToken } from '../src/domain/client-token';
import type { OutcomeRecord } from '../src/domain/outcome';
import { entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const V2_CAMPAIGN = 'v2-campaign-1';

function spec(campaignId: string, size: number, extra: Partial<CampaignSpecInput> = {}): CampaignSpecInput {
  return {
    campaignId,
    instanceId: 'instance-1',
    // No QueueId: the v2 campaign routes the calls.
    defaults: { Attributes: { source: 'test' } },
    submission: { api: 'outbound-campaigns-v2', campaignId: V2_CAMPAIGN, stateRecheckSeconds: 1 },
    dialList: { kind: 'inline', entries: Array.from({ length: size }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` })) },
    ...extra,
  };
}

function dialRequestsOf(campaignId: string) {
  return stack.emulator.contacts({ channel: 'OUTBOUND_REQUEST' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}.e`));
}

async function outcomesOf(campaignId: string): Promise<OutcomeRecord[]> {
  const records: OutcomeRecord[] = [];
  for await (const r of stack.campaigns.report(campaignId)) records.push(r);
  return records;
}

describe('a campaign through Outbound Campaigns v2', () => {
  test('1,000 contacts become exactly 1,000 dial requests, each CREATED with its dial request id', async () => {
    const id = uniqueCampaignId('v2');
    await stack.campaigns.start(spec(id, 1000));
    const result = await stack.campaigns.result(id);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
    assert.equal(result.outcomes.CREATED, 1000);
    const requests = dialRequestsOf(id);
    assert.equal(requests.length, 1000, 'one dial request per entry');
    assert.equal(new Set(requests.map((r) => r.clientToken)).size, 1000);
    // The contact Connect places for a request names the send: its call outcome finds the entry by it.
    for (const r of requests) assert.equal(r.attributes?.ConnectDialerRequest, r.clientToken, `${r.attributes?.RequestIdentifier ?? '?'} names its request token`);
    assert.equal(stack.emulator.contacts({ channel: 'VOICE' }).filter((c) => c.clientToken?.startsWith(`campaign-${id}`)).length, 0, 'no BatchPutContact call');
    const records = await outcomesOf(id);
    assert.equal(records.length, 1000);
    const ids = new Set(requests.map((r) => r.contactId));
    for (const r of records) assert.ok(r.contactId && ids.has(r.contactId), `${r.requestIdentifier} carries its dial request id: ${r.contactId}`);
  });

  test('each failure code takes its lane: RequestThrottled and BufferLimitExceeded end CREATED with a new token, InvalidInput ends FAILED with its code', async () => {
    const id = uniqueCampaignId('v2-lanes');
    const token = (index: number, send: number): string => outboundRequestClientToken(`campaign-${id}`, index, send);
    stack.emulator.setFaults({
      schedule: [
        { clientToken: token(1, 1), failureCode: 'RequestThrottled' },
        { clientToken: token(2, 1), failureCode: 'BufferLimitExceeded' },
        { clientToken: token(3, 1), failureCode: 'InvalidInput' },
      ],
    });
    const quick = { initialBackoffMs: 10, maxBackoffMs: 50 };
    try {
      await stack.campaigns.start(spec(id, 10, { lanes: { throttled: quick, buffer: quick } }));
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
      const records = await outcomesOf(id);
      const of = (i: number): OutcomeRecord | undefined => records.find((r) => r.requestIdentifier === `${id}-${i}`);
      assert.equal(of(1)?.outcome, 'CREATED');
      assert.equal(of(2)?.outcome, 'CREATED');
      assert.equal(of(3)?.outcome, 'FAILED');
      assert.equal(of(3)?.failureCode, 'InvalidInput');
      const tokens = new Set(dialRequestsOf(id).map((r) => r.clientToken));
      assert.ok(tokens.has(token(1, 2)) && tokens.has(token(2, 2)), 'a re-send goes with a new token');
      assert.equal(result.outcomes.CREATED, 9);
      assert.equal(result.outcomes.FAILED, 1);
      assert.equal(result.retries, 2, 'one re-send each for RequestThrottled and BufferLimitExceeded');
    } finally {
      stack.emulator.setFaults({});
    }
  });

  test('20% BufferLimitExceeded and 10% RequestThrottled at random: every entry one dial request, none lost or sent twice', async () => {
    const id = uniqueCampaignId('v2-buffer-full');
    stack.emulator.setFaults({ requestBufferLimitRate: 0.2, entryThrottleRate: 0.1, seed: 5 });
    try {
      await stack.campaigns.start(spec(id, 400, { pacing: { batchSize: 25, batchesInFlight: 4, adaptive: true } }));
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
      assert.deepEqual(result.outcomes, { ...result.outcomes, CREATED: 400, FAILED: 0 });
      assert.ok(result.retries > 80, `expected about 170 re-sends, got ${result.retries}`);
      const requests = dialRequestsOf(id);
      assert.equal(requests.length, 400, 'no entry lost, none dialled twice');
      assert.equal(new Set(requests.map((r) => r.attributes?.RequestIdentifier)).size, 400);
      assert.equal((await outcomesOf(id)).length, 400);
    } finally {
      stack.emulator.setFaults({});
    }
  });

  test('a v2 campaign that is not running pauses the campaign with the reason; it resumes and completes when it runs', async () => {
    const id = uniqueCampaignId('v2-state');
    stack.emulator.configure({ campaignStates: { [V2_CAMPAIGN]: 'Paused' } });
    try {
      await stack.campaigns.start(spec(id, 60));
      const progress = await eventually(
        'PAUSED',
        async () => {
          const p = await stack.campaigns.progress(id);
          return p.status === 'PAUSED' ? p : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      assert.equal(progress.status, 'PAUSED');
      assert.match(progress.pauseReason ?? '', /v2 campaign is Paused/);
      assert.equal(dialRequestsOf(id).length, 0, 'nothing is sent while the v2 campaign is paused');
      stack.emulator.configure({ campaignStates: { [V2_CAMPAIGN]: 'Running' } });
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 60);
      assert.equal(dialRequestsOf(id).length, 60);
    } finally {
      stack.emulator.configure({ campaignStates: {} });
    }
  });

  test('deflection works on the v2 path: after the dial request the SMS goes without RelatedContactId', async () => {
    const id = uniqueCampaignId('v2-deflect');
    const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', initialMessage: 'We tried to call you' };
    stack.emulator.configure({ latencyMs: 20 });
    try {
      await stack.campaigns.start(spec(id, 200, { chat, pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true } }));
      await eventually('50 dial requests', () => dialRequestsOf(id).length >= 50, { intervalMs: 20 });
      await stack.campaigns.pause(id, 'deflection test');
      await eventually('nothing in flight', async () => (await stack.campaigns.progress(id)).batchesInFlight === 0);
      const answer = await stack.campaigns.deflect(id, { requestIdentifiers: [`${id}-0`, `${id}-199`] });
      assert.deepEqual([...answer.accepted].sort(), [`${id}-0`, `${id}-199`].sort());
      await stack.campaigns.resume(id);
      const result = await stack.campaigns.result(id);
      assert.equal(result.outcomes.DEFLECTED, 2);
      assert.equal(result.outcomes.CREATED, 198);
      const chats = stack.emulator.contacts({ channel: 'CHAT' }).filter((c) => c.clientToken?.startsWith(`campaign-${id}/chat/`));
      assert.equal(chats.length, 2);
      for (const c of chats) assert.equal(c.relatedContactId, undefined, 'a dial request id is not sent as RelatedContactId');
      assert.equal(dialRequestsOf(id).filter((r) => r.attributes?.RequestIdentifier === `${id}-199`).length, 0, 'the unreached entry was not dialled');
    } finally {
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  test('a worker killed with SIGKILL mid-campaign and replaced: every entry one dial request, none twice', async () => {
    const id = uniqueCampaignId('v2-kill9');
    const taskQueue = `${stack.taskQueue}-v2-kill9`;
    const child = stack.spawnWorkerProcess(taskQueue);
    stack.emulator.configure({ latencyMs: 150 });
    const campaigns = new CampaignClient(stack.campaigns.client, { taskQueue, store: stack.store });
    try {
      await campaigns.start(spec(id, 600, { pacing: { batchSize: 25, batchesInFlight: 2, adaptive: true } }));
      await eventually('100 dial requests', () => dialRequestsOf(id).length >= 100, { timeoutMs: 60_000, intervalMs: 100 });
      assert.ok(dialRequestsOf(id).length >= 100, 'the child worker never got going');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.ok(dialRequestsOf(id).length < 600, 'the campaign finished before the kill');
      const replacement = await stack.createWorker(taskQueue);
      const result = await replacement.runUntil(campaigns.result(id));
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 600, JSON.stringify(result));
      const requests = dialRequestsOf(id);
      assert.equal(requests.length, 600, 'no entry lost, none dialled twice');
      assert.equal(new Set(requests.map((r) => r.attributes?.RequestIdentifier)).size, 600);
      assert.equal((await outcomesOf(id)).length, 600);
    } finally {
      child.kill('SIGKILL');
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  test('a denied PutOutboundRequestBatch (403) pauses the campaign with what to fix; resumed after the fix, every entry is one dial request', async () => {
    const id = uniqueCampaignId('v2-denied');
    stack.emulator.configure({ deniedAccessKeyIds: ['test'] });
    try {
      await stack.campaigns.start(spec(id, 100, { pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true } }));
      const paused = await eventually('the campaign to pause', async () => {
        const p = await stack.campaigns.progress(id);
        return p.status === 'PAUSED' ? p : undefined;
      });
      assert.match(
        paused.pauseReason ?? '',
        /denied PutOutboundRequestBatch on Outbound Campaigns v2 campaign v2-campaign-1 \(AccessDeniedException: .*\): fix the worker's IAM permissions for connect-campaigns:PutOutboundRequestBatch/,
      );
      assert.equal(paused.batchesSent, 1);
      assert.equal(dialRequestsOf(id).length, 0);
      stack.emulator.configure({ deniedAccessKeyIds: [] });
      await stack.campaigns.resume(id);
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 100);
      const requests = dialRequestsOf(id);
      assert.equal(requests.length, 100);
      assert.equal(new Set(requests.map((r) => r.attributes?.RequestIdentifier)).size, 100, 'none dialled twice');
    } finally {
      stack.emulator.configure({ deniedAccessKeyIds: [] });
    }
  });

  test('a v2 campaign that does not exist pauses the campaign with the reason; cancel ends it with every entry CANCELLED', async () => {
    const id = uniqueCampaignId('v2-missing');
    stack.emulator.configure({ missingCampaignIds: [V2_CAMPAIGN] });
    try {
      await stack.campaigns.start(spec(id, 100, { pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true } }));
      const paused = await eventually('the campaign to pause', async () => {
        const p = await stack.campaigns.progress(id);
        return p.status === 'PAUSED' ? p : undefined;
      });
      assert.match(paused.pauseReason ?? '', /no Outbound Campaigns v2 campaign v2-campaign-1 \(ResourceNotFoundException/);
      await stack.campaigns.cancel(id, 'no such v2 campaign');
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'CANCELLED');
      assert.equal(result.batchesSent, 1);
      assert.equal(result.outcomes.CANCELLED, 100);
      assert.equal(result.outcomes.FAILED, 0);
    } finally {
      stack.emulator.configure({ missingCampaignIds: [] });
    }
  });
});
