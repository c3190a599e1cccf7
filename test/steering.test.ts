import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { deflectToChatUpdate } from '../src/domain/messages';
import type { Progress } from '../src/domain/progress';
import { campaignStatusKey } from '../src/domain/search-attributes';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', initialMessage: 'We tried to call you' };

function spec(campaignId: string, size: number, extra: Partial<CampaignSpecInput> = {}): CampaignSpecInput {
  return {
    campaignId,
    instanceId: 'instance-1',
    defaults: campaignDefaults,
    chat,
    pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true },
    dialList: { kind: 'inline', entries: Array.from({ length: size }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` })) },
    ...extra,
  };
}

function contactsOf(campaignId: string) {
  return stack.emulator.contacts().filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`));
}

async function progressOf(campaignId: string): Promise<Progress> {
  return stack.campaigns.progress(campaignId);
}

describe('steering a live campaign', () => {
  test('deflect 5 contacts before and 5 after dialling; a repeat sends nothing', async () => {
    const id = uniqueCampaignId('deflect');
    stack.emulator.configure({ latencyMs: 30 });
    try {
      await stack.campaigns.start(spec(id, 500));
      await eventually('100 voice contacts', () => contactsOf(id).filter((c) => c.channel === 'VOICE').length >= 100);
      await stack.campaigns.pause(id, 'deflection test');
      await eventually('pause to settle', async () => (await progressOf(id)).batchesInFlight === 0);

      const dialled = [0, 1, 2, 3, 4].map((i) => `${id}-${i}`);
      const notDialled = [495, 496, 497, 498, 499].map((i) => `${id}-${i}`);
      const answer = await stack.campaigns.deflect(id, { requestIdentifiers: [...dialled, ...notDialled], message: 'Reply YES to book' });
      assert.deepEqual([...answer.accepted].sort(), [...dialled, ...notDialled].sort());
      assert.deepEqual(answer.refused, []);

      const again = await stack.campaigns.deflect(id, { requestIdentifiers: [...dialled, ...notDialled, 'nobody'] });
      assert.deepEqual(again.accepted, []);
      assert.equal(again.refused.filter((r) => r.reason === 'ALREADY_DEFLECTING').length, 10);
      assert.deepEqual(again.refused.find((r) => r.requestIdentifier === 'nobody')?.reason, 'UNKNOWN_REQUEST_IDENTIFIER');

      await stack.campaigns.deflectAsync(id, { requestIdentifiers: dialled }); // the signal path, also a repeat
      await stack.campaigns.resume(id);
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.DEFLECTED, 10);
      assert.equal(result.outcomes.CREATED, 490);

      const contacts = contactsOf(id);
      const chats = contacts.filter((c) => c.channel === 'CHAT');
      assert.equal(chats.length, 10, 'exactly one SMS per deflected contact');
      for (const rid of notDialled) {
        assert.equal(contacts.filter((c) => c.channel === 'VOICE' && c.requestIdentifier === rid).length, 0, `${rid} was dialled`);
        const sms = chats.find((c) => c.clientToken === `campaign-${id}/chat/${rid}`);
        assert.ok(sms, `${rid} got no SMS`);
        assert.equal(sms.relatedContactId, undefined);
      }
      for (const rid of dialled) {
        const voice = contacts.find((c) => c.channel === 'VOICE' && c.requestIdentifier === rid);
        const sms = chats.find((c) => c.clientToken === `campaign-${id}/chat/${rid}`);
        assert.ok(voice && sms);
        assert.equal(sms.relatedContactId, voice.contactId);
      }
      const records = [];
      for await (const r of stack.campaigns.report(id)) records.push(r);
      assert.equal(records.length, 500);
      assert.equal(records.filter((r) => r.outcome === 'DEFLECTED').length, 10);
    } finally {
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  test('deflections survive continue-as-new: unreached contacts are never dialled', async () => {
    const id = uniqueCampaignId('deflect-can');
    await stack.campaigns.start(spec(id, 300, { continueAsNewAfterBatches: 2, pacing: { batchSize: 10, batchesInFlight: 1, adaptive: true } }));
    await stack.campaigns.pause(id);
    await eventually('pause to settle', async () => (await progressOf(id)).status === 'PAUSED' && (await progressOf(id)).batchesInFlight === 0);
    const late = [250, 260, 270, 280, 290].map((i) => `${id}-${i}`);
    const answer = await stack.campaigns.deflect(id, { requestIdentifiers: late });
    assert.deepEqual([...answer.accepted].sort(), [...late].sort());
    await stack.campaigns.resume(id);
    const result = await stack.campaigns.result(id);
    assert.ok(result.runs >= 5, `expected several runs, got ${result.runs}`);
    assert.equal(result.outcomes.DEFLECTED, 5);
    assert.equal(result.outcomes.CREATED, 295);
    const contacts = contactsOf(id);
    for (const rid of late) assert.equal(contacts.filter((c) => c.requestIdentifier === rid && c.channel === 'VOICE').length, 0);
    assert.equal(contacts.filter((c) => c.channel === 'CHAT').length, 5);
  });

  test('chat throttling (ThrottlingException) and the concurrent-chat limit (LimitExceededException) are waited out', async () => {
    const id = uniqueCampaignId('chat-limits');
    stack.emulator.reset(); // chats of earlier tests still count as active
    stack.emulator.configure({ rate: { outboundChat: { perSecond: 1, burst: 1 } } });
    stack.emulator.setFaults({ chatConcurrencyLimit: 3 });
    try {
      await stack.campaigns.start(spec(id, 100, { chat: { ...chat, chatsPerSecond: 20, chatsInFlight: 4 } }));
      await stack.campaigns.pause(id);
      const ids = [90, 91, 92, 93].map((i) => `${id}-${i}`);
      const answer = await stack.campaigns.deflect(id, { requestIdentifiers: ids });
      assert.equal(answer.accepted.length, 4);
      await eventually(
        'the fourth chat to hit the concurrent-chat limit',
        () => contactsOf(id).filter((c) => c.channel === 'CHAT').length === 3 && (stack.emulator.stats().byStatus['429'] ?? 0) > 0,
      );
      const statusCounts = stack.emulator.stats().byStatus;
      assert.ok((statusCounts['429'] ?? 0) >= 2, 'expected both kinds of 429');
      stack.emulator.setFaults({ chatConcurrencyLimit: 100 }); // chats ended: room again
      await stack.campaigns.resume(id);
      const result = await stack.campaigns.result(id);
      assert.equal(result.outcomes.DEFLECTED, 4);
      assert.equal(contactsOf(id).filter((c) => c.channel === 'CHAT').length, 4);
    } finally {
      stack.emulator.configure({ rate: {} });
      stack.emulator.setFaults({});
    }
  });

  test('pause stops new batches, resume runs to completion', async () => {
    const id = uniqueCampaignId('pause');
    stack.emulator.configure({ latencyMs: 100 });
    try {
      await stack.campaigns.start(spec(id, 300));
      await eventually('first batches', () => contactsOf(id).length >= 50);
      await stack.campaigns.pause(id, 'lunch');
      await eventually('PAUSED with nothing in flight', async () => {
        const p = await progressOf(id);
        return p.status === 'PAUSED' && p.batchesInFlight === 0;
      });
      const description = await stack.campaigns.handle(id).describe();
      assert.equal(description.typedSearchAttributes.get(campaignStatusKey), 'PAUSED');
      const callsAtPause = stack.emulator.stats().calls.BatchPutContact;
      await sleep(1_500);
      assert.equal(stack.emulator.stats().calls.BatchPutContact, callsAtPause, 'BatchPutContact was called while paused');
      assert.equal((await progressOf(id)).pauseReason, 'lunch');
      await stack.campaigns.resume(id);
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 300);
    } finally {
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  for (const how of ['signal', 'cancellation request'] as const) {
    test(`cancel by ${how}: no call after it is handled, the rest CANCELLED, counts exact`, async () => {
      const id = uniqueCampaignId('cancel');
      stack.emulator.configure({ latencyMs: 100 });
      try {
        const callsBefore = stack.emulator.stats().calls.BatchPutContact;
        await stack.campaigns.start(spec(id, 1000, { pacing: { batchSize: 25, batchesInFlight: 2, adaptive: true } }));
        await eventually('first batches', () => contactsOf(id).length >= 100);
        if (how === 'signal') await stack.campaigns.cancel(id, 'wrong list');
        else await stack.campaigns.handle(id).cancel();
        const result = await stack.campaigns.result(id);
        const callsAfter = stack.emulator.stats().calls.BatchPutContact;
        assert.equal(result.status, 'CANCELLED');
        assert.equal(result.reason, how === 'signal' ? 'wrong list' : 'cancellation requested');
        assert.equal(callsAfter - callsBefore, result.batchesSent, 'a batch was sent that the result does not count');
        assert.equal(result.outcomes.CREATED, contactsOf(id).length);
        assert.ok(result.outcomes.CANCELLED > 0);
        assert.equal(result.outcomes.CREATED + result.outcomes.CANCELLED, 1000);
        await sleep(500);
        assert.equal(stack.emulator.stats().calls.BatchPutContact, callsAfter, 'a call came after the campaign ended');
        const records = [];
        for await (const r of stack.campaigns.report(id)) records.push(r);
        assert.equal(records.length, 1000);
        assert.equal(records.filter((r) => r.outcome === 'CANCELLED').length, result.outcomes.CANCELLED);
      } finally {
        stack.emulator.configure({ latencyMs: 0 });
      }
    });
  }

  test('a pause signalled right after start is not lost; nothing is dialled', async () => {
    const id = uniqueCampaignId('early');
    const callsBefore = stack.emulator.stats().calls.BatchPutContact;
    await stack.campaigns.start(spec(id, 100));
    await stack.campaigns.pause(id);
    await eventually('PAUSED', async () => (await progressOf(id)).status === 'PAUSED');
    await sleep(500);
    assert.equal(stack.emulator.stats().calls.BatchPutContact - callsBefore, 0);
    await stack.campaigns.cancel(id, 'never mind');
    const result = await stack.campaigns.result(id);
    assert.equal(result.status, 'CANCELLED');
    assert.equal(result.batchesSent, 0);
    assert.equal(result.outcomes.CANCELLED, 100);
  });

  test('signals sent while the campaign continues-as-new after every batch are not lost', async () => {
    const id = uniqueCampaignId('can-signals');
    stack.emulator.configure({ latencyMs: 30 });
    try {
      await stack.campaigns.start(spec(id, 150, { continueAsNewAfterBatches: 1, pacing: { batchSize: 5, batchesInFlight: 1, adaptive: true } }));
      // A deflection signal every few ms, with pauses and resumes among them, while runs hand over to runs.
      const deflected = Array.from({ length: 20 }, (_, k) => `${id}-${k * 7 + 3}`);
      for (const [k, rid] of deflected.entries()) {
        await stack.campaigns.deflectAsync(id, { requestIdentifiers: [rid] });
        if (k % 5 === 4) {
          await stack.campaigns.pause(id, `pause ${k}`);
          await sleep(20);
          await stack.campaigns.resume(id);
        }
        await sleep(15);
      }
      const result = await stack.campaigns.result(id);
      assert.equal(result.status, 'COMPLETED', 'the last signal was a resume');
      assert.ok(result.runs >= 5, `expected many runs, got ${result.runs}`);
      assert.equal(result.outcomes.DEFLECTED, 20, 'every deflection signal was handled');
      assert.equal(result.outcomes.CREATED + result.outcomes.DEFLECTED, 150);
      const chats = contactsOf(id).filter((c) => c.channel === 'CHAT');
      assert.deepEqual(chats.map((c) => c.clientToken).sort(), deflected.map((rid) => `campaign-${id}/chat/${rid}`).sort(), 'one SMS per deflected contact');
    } finally {
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  test('the deflection update validator rejects malformed requests before they enter history', async () => {
    const id = uniqueCampaignId('validator');
    await stack.campaigns.start(spec(id, 50));
    await stack.campaigns.pause(id);
    const handle = stack.campaigns.handle(id);
    await assert.rejects(
      handle.executeUpdate(deflectToChatUpdate, { args: [{ requestIdentifiers: [] }] }),
      (err: unknown) => err instanceof WorkflowUpdateFailedError && /requestIdentifiers/.test(String((err.cause as Error)?.message)),
    );
    await assert.rejects(stack.campaigns.deflect(id, { requestIdentifiers: ['x'.repeat(81)] }), /requestIdentifiers\.0/);
    await stack.campaigns.cancel(id);
    await stack.campaigns.result(id);
    const history = await handle.fetchHistory();
    const updateEvents = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes);
    assert.equal(updateEvents.length, 0);
  });
});
