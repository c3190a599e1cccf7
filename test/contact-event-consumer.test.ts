// The contact-event consumer against the emulator's SQS (the real @aws-sdk/client-sqs) and a
// real campaign store: a consumer that dies before its store write loses nothing, and events
// about contacts no campaign here knows are kept for a while, then let go.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchPutContactCommand } from '@aws-sdk/client-connect';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ContactEventConsumer } from '../src/call-outcomes/contact-event-consumer';
import { startEmulator, type Emulator } from '../src/emulator';
import { openTestStore, type TestStore } from './support/database';
import { emulatorClient, emulatorSqsClient } from './support/emulator';
import { eventually } from './support/eventually';

let emu: Emulator;
let t: TestStore;
before(async () => {
  emu = await startEmulator({ quiet: true });
  t = await openTestStore();
});
after(async () => {
  await emu?.stop();
  await t?.close();
});

async function depth(): Promise<number> {
  const a = await emulatorSqsClient(emu).send(
    new GetQueueAttributesCommand({ QueueUrl: emu.contactEventsQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(a.Attributes?.ApproximateNumberOfMessages) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('contact-event consumer', () => {
  test('a consumer killed before its store write loses nothing: the queue delivers the events again and the next consumer applies them', async () => {
    emu.configure({ calls: { ringMs: 0, outcomes: { VOICEMAIL: 1 } } });
    const answer = await emulatorClient(emu).send(
      new BatchPutContactCommand({
        InstanceId: 'instance-1',
        ClientToken: 'kill-test',
        ContactDataRequestList: [1, 2, 3].map((i) => ({
          RequestIdentifier: `k-${i}`,
          CustomerEndpoint: { Type: 'TELEPHONE_NUMBER' as const, Address: `+1415555010${i}` },
          QueueId: 'q',
        })),
      }),
    );
    await t.store.recordAttempts(
      'campaign-kill',
      (answer.SuccessfulRequestList ?? []).map((s, i) => ({ index: i, send: 1, api: 'BatchPutContact', result: 'CREATED', contactId: s.ContactId })),
    );
    const sqs = emulatorSqsClient(emu);
    await eventually('the calls ended', () => emu.contacts().every((c) => c.disposition !== undefined));
    // The dying consumer took every message (hidden 2 s) and died in its store write.
    const dying = new ContactEventConsumer({
      sqs,
      queueUrl: emu.contactEventsQueueUrl,
      store: { recordCallFacts: () => Promise.reject(new Error('SIGKILL')) },
      log: () => undefined,
    });
    const taken = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: emu.contactEventsQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 2, MessageSystemAttributeNames: ['SentTimestamp'] }),
    );
    assert.ok((taken.Messages?.length ?? 0) >= 6, `took ${taken.Messages?.length ?? 0} messages`);
    await assert.rejects(dying.apply(taken.Messages ?? []), /SIGKILL/);
    // Nothing recorded: the three calls are placed and none is decided.
    await eventually('3 calls placed, none decided', async () => {
      const s = await t.store.dispositionSummary('campaign-kill');
      return s.calls === 3 && s.pending === 3;
    });

    const stop = new AbortController();
    const next = new ContactEventConsumer({ sqs, queueUrl: emu.contactEventsQueueUrl, store: t.store, waitTimeSeconds: 1, log: () => undefined });
    const running = next.run(stop.signal);
    try {
      const summary = await eventually('the next consumer applied the redelivered events', async () => {
        const s = await t.store.dispositionSummary('campaign-kill');
        return s.pending === 0 && s;
      });
      assert.equal(summary.counts.VOICEMAIL, 3, JSON.stringify({ summary, contacts: emu.contacts().map((c) => c.disposition) }));
      await eventually('the queue emptied', async () => (await depth()) === 0);
    } finally {
      stop.abort();
      await running;
    }
  });

  test('events about contacts no campaign here knows: INITIATED is let go at once, a final event is retried, then let go after the grace time', async () => {
    const sqs = emulatorSqsClient(emu);
    const envelope = (eventType: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ source: 'aws.connect', 'detail-type': 'Amazon Connect Contact Event', detail: { eventType, contactId: 'not-ours', ...extra } });
    await sqs.send(new SendMessageCommand({ QueueUrl: emu.contactEventsQueueUrl, MessageBody: envelope('INITIATED') }));
    await sqs.send(new SendMessageCommand({ QueueUrl: emu.contactEventsQueueUrl, MessageBody: envelope('DISCONNECTED', { disconnectReason: 'TELECOM_BUSY' }) }));
    const consumer = new ContactEventConsumer({
      sqs,
      queueUrl: emu.contactEventsQueueUrl,
      store: t.store,
      unknownContactGraceMs: 3_000,
      retryUnknownAfterSeconds: 1,
      log: () => undefined,
    });
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: emu.contactEventsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['SentTimestamp'] }),
    );
    const tally = await consumer.apply(received.Messages ?? []);
    assert.deepEqual([tally.foreign, tally.unknown], [1, 1]);
    assert.equal(await depth(), 1, 'the final event waits for its send to be recorded');
    const stop = new AbortController();
    const running = consumer.run(stop.signal);
    try {
      await eventually('the unknown final event let go after the grace time', async () => (await depth()) === 0, { timeoutMs: 20_000 });
    } finally {
      stop.abort();
      await running;
    }
  });
});
