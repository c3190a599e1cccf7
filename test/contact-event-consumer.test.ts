// The contact-event consumer against the emulator's SQS (the real @aws-sdk/client-sqs) and a
// real campaign store: a consumer that dies before its store write loses nothing, events
// about contacts no campaign here knows are kept for a while, then let go, and a v2 campaign's
// contact is linked to its send through its attributes (GetContactAttributes, the real
// @aws-sdk/client-connect).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchPutContactCommand } from '@aws-sdk/client-connect';
import { PutOutboundRequestBatchCommand } from '@aws-sdk/client-connectcampaignsv2';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { CampaignContactResolver } from '../src/call-outcomes/campaign-contact-resolver';
import { ContactEventConsumer } from '../src/call-outcomes/contact-event-consumer';
import { startEmulator, type Emulator } from '../src/emulator';
import { openTestStore, type TestStore } from './support/database';
import { emulatorCampaignsClient, emulatorClient, emulatorSqsClient } from './support/emulator';
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
      store: {
        recordCallFacts: () => Promise.reject(new Error('SIGKILL')),
        linkCalls: () => Promise.reject(new Error('SIGKILL')),
        outboundCampaignsAmong: () => Promise.reject(new Error('SIGKILL')),
      },
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
  /**
   * One v2 dial request per number on v2 campaign `v2-campaign`, noted in the store as the
   * worker's activity notes it; `named` requests carry the ConnectDialerRequest attribute, as the worker sends them.
   */
  async function dialV2(campaignKey: string, numbers: string[], named = true): Promise<string[]> {
    await t.store.noteOutboundCampaign('arn:aws:connect-campaigns:us-east-1:123456789012:campaign/v2-campaign');
    const tokens = numbers.map((_, i) => `${campaignKey}.e${i}.s1.0123456789abcdef`);
    const answer = await emulatorCampaignsClient(emu).send(
      new PutOutboundRequestBatchCommand({
        id: 'v2-campaign',
        outboundRequests: numbers.map((number, i) => ({
          clientToken: tokens[i],
          expirationTime: new Date(Date.now() + 3_600_000),
          channelSubtypeParameters: {
            telephony: { destinationPhoneNumber: number, attributes: { RequestIdentifier: `r-${i}`, ...(named && { ConnectDialerRequest: tokens[i] ?? '' }) } },
          },
        })),
      }),
    );
    await t.store.recordAttempts(
      campaignKey,
      (answer.successfulRequests ?? []).map((r) => ({
        index: tokens.indexOf(r.clientToken ?? ''),
        send: 1,
        api: 'PutOutboundRequestBatch',
        result: 'CREATED',
        contactId: r.id,
        requestToken: r.clientToken,
      })),
    );
    return tokens;
  }

  async function receiveAll(): Promise<Message[]> {
    const answer = await emulatorSqsClient(emu).send(
      new ReceiveMessageCommand({
        QueueUrl: emu.contactEventsQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    return answer.Messages ?? [];
  }

  test("a v2 campaign's contact is linked to its send by its ConnectDialerRequest attribute: one GetContactAttributes per contact, repeats change nothing", async () => {
    emu.configure({ calls: { ringMs: 0, byNumber: { '+14155550201': 'NO_ANSWER', '+14155550202': 'HUMAN_ANSWERED' } } });
    await dialV2('campaign-v2-link', ['+14155550201', '+14155550202']);
    await eventually('the calls ended', () => emu.contacts({ channel: 'OUTBOUND_REQUEST' }).every((c) => c.disposition !== undefined));
    const consumer = new ContactEventConsumer({
      sqs: emulatorSqsClient(emu),
      queueUrl: emu.contactEventsQueueUrl,
      store: t.store,
      campaignContacts: new CampaignContactResolver(emulatorClient(emu)),
      log: () => undefined,
    });
    const before = emu.stats().calls.GetContactAttributes;
    const messages = await receiveAll();
    assert.equal(messages.length, 5, 'INITIATED twice, CONNECTED_TO_SYSTEM once, DISCONNECTED twice');
    const tally = await consumer.apply(messages);
    assert.deepEqual([tally.linked, tally.applied, tally.decided, tally.unknown, tally.foreign], [2, 5, 2, 0, 0], JSON.stringify(tally));
    assert.equal(emu.stats().calls.GetContactAttributes - before, 2, 'one look per contact');
    const summary = await t.store.dispositionSummary('campaign-v2-link');
    assert.deepEqual([summary.calls, summary.pending, summary.counts.NO_ANSWER, summary.counts.REACHED], [2, 0, 1, 1], JSON.stringify(summary));
    // The same messages again (a redelivery): known by ContactId now, nothing looked up, nothing decided again.
    const again = await consumer.apply(messages);
    assert.deepEqual([again.linked, again.applied, again.decided], [0, 5, 0], JSON.stringify(again));
    assert.equal(emu.stats().calls.GetContactAttributes - before, 2);
    const undecided = await t.store.undecidedCalls('campaign-v2-link', new Date(Date.now() + 60_000), 10, { linkedOnly: true });
    assert.deepEqual(undecided, [], 'both linked calls decided');
  });

  test('GetContactAttributes failing (throttled) keeps the event on the queue and it is linked when it comes again; a contact naming no send is treated as any unknown contact', async () => {
    emu.configure({ calls: { ringMs: 0, outcomes: { BUSY: 1 } } });
    emu.setFaults({ schedule: [{ operation: 'GetContactAttributes', error: 'ThrottlingException', times: 1 }] });
    try {
      await dialV2('campaign-v2-throttled', ['+14155550211']);
      await dialV2('campaign-v2-foreign', ['+14155550212'], false);
      await eventually('the calls ended', () => emu.contacts({ channel: 'OUTBOUND_REQUEST' }).every((c) => c.disposition !== undefined));
      const logged: string[] = [];
      const consumer = new ContactEventConsumer({
        sqs: emulatorSqsClient(emu),
        queueUrl: emu.contactEventsQueueUrl,
        store: t.store,
        // One attempt per look: the SDK's own retry would hide the throttling.
        campaignContacts: new CampaignContactResolver(emulatorClient(emu, { maxAttempts: 1 })),
        retryUnknownAfterSeconds: 1,
        log: (line) => logged.push(line),
      });
      const before = emu.stats().calls.GetContactAttributes;
      const first = await consumer.apply(await receiveAll());
      // The throttled contact's INITIATED and DISCONNECTED wait; the other contact's INITIATED is let go, its DISCONNECTED retried.
      assert.deepEqual([first.unresolved, first.foreign, first.unknown, first.applied], [2, 1, 1, 0], JSON.stringify(first));
      assert.match(logged.join('\n'), /GetContactAttributes for contact .*: ThrottlingException; the event comes again/);
      assert.doesNotMatch(logged.join('\n'), /\+1415/, 'no phone number in the log');
      assert.equal(await depth(), 3, "the throttled contact's events and the unknown final event wait on the queue");
      assert.equal((await t.store.dispositionSummary('campaign-v2-throttled')).pending, 1);
      const second = await eventually('the events came again', async () => {
        const m = await receiveAll();
        return m.length === 3 && m;
      });
      const tally = await consumer.apply(second);
      assert.deepEqual([tally.linked, tally.applied, tally.decided, tally.unknown], [1, 2, 1, 1], JSON.stringify(tally));
      assert.equal(emu.stats().calls.GetContactAttributes - before, 3, 'the throttled look, its retry, and one look at the other contact: its answer is remembered');
      const summary = await t.store.dispositionSummary('campaign-v2-throttled');
      assert.deepEqual([summary.pending, summary.counts.BUSY], [0, 1]);
      assert.equal(await depth(), 1, "only the other dialer's final event waits, until the grace time");
    } finally {
      emu.setFaults({});
    }
  });

  test("only contacts of v2 campaigns noted here are looked up: another v2 campaign's contacts and a BatchPutContact contact's early events cost no GetContactAttributes", async () => {
    await drain();
    emu.configure({ calls: { ringMs: 0, outcomes: { NO_ANSWER: 1 } } });
    await emulatorCampaignsClient(emu).send(
      new PutOutboundRequestBatchCommand({
        id: 'another-dialers-campaign',
        outboundRequests: [
          {
            clientToken: 'theirs-1',
            expirationTime: new Date(Date.now() + 3_600_000),
            channelSubtypeParameters: { telephony: { destinationPhoneNumber: '+14155550221', attributes: { ConnectDialerRequest: 'theirs-1' } } },
          },
        ],
      }),
    );
    // A BatchPutContact contact of a v1 campaign whose send is not recorded yet (its events came first).
    await emulatorClient(emu).send(
      new BatchPutContactCommand({
        InstanceId: 'instance-1',
        ClientToken: 'early-v1',
        ContactDataRequestList: [
          { RequestIdentifier: 'v1', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550222' }, QueueId: 'q', Campaign: { CampaignId: 'v1-campaign' } },
        ],
      }),
    );
    await eventually('the calls ended', () => emu.contacts().every((c) => c.disposition !== undefined));
    const consumer = new ContactEventConsumer({
      sqs: emulatorSqsClient(emu),
      queueUrl: emu.contactEventsQueueUrl,
      store: t.store,
      campaignContacts: new CampaignContactResolver(emulatorClient(emu)),
      retryUnknownAfterSeconds: 1,
      log: () => undefined,
    });
    const before = emu.stats().calls.GetContactAttributes;
    const tally = await consumer.apply(await receiveAll());
    assert.deepEqual([tally.foreign, tally.unknown, tally.linked], [2, 2, 0], `INITIATEDs let go, DISCONNECTEDs retried: ${JSON.stringify(tally)}`);
    assert.equal(emu.stats().calls.GetContactAttributes - before, 0, 'no campaign here sends to either campaign');
  });

  test('a look that keeps failing is retried with a growing wait, then given up after lookupGiveUpMs (logged)', async () => {
    await drain();
    emu.configure({ calls: { ringMs: 0, outcomes: { BUSY: 1 } } });
    emu.setFaults({ schedule: [{ operation: 'GetContactAttributes', error: 'AccessDeniedException', times: 1000 }] });
    try {
      await dialV2('campaign-v2-denied', ['+14155550231']);
      await eventually('the call ended', () => emu.contacts({ channel: 'OUTBOUND_REQUEST' }).every((c) => c.disposition !== undefined));
      const logged: string[] = [];
      const options = {
        sqs: emulatorSqsClient(emu),
        queueUrl: emu.contactEventsQueueUrl,
        store: t.store,
        campaignContacts: new CampaignContactResolver(emulatorClient(emu, { maxAttempts: 1 })),
        retryUnknownAfterSeconds: 1,
        log: (line: string) => logged.push(line),
      };
      const first = await new ContactEventConsumer(options).apply(await receiveAll());
      assert.deepEqual([first.unresolved, first.abandoned], [2, 0], JSON.stringify(first));
      // Delivered a second time: the wait doubles (1 s, then 2 s): not back within the first second.
      const second = await eventually('the events came again', async () => {
        const m = await receiveAll();
        return m.length === 2 && m;
      });
      assert.ok(
        second.every((m) => m.Attributes?.ApproximateReceiveCount === '2'),
        'a second delivery',
      );
      const laterTally = await new ContactEventConsumer(options).apply(second);
      assert.equal(laterTally.unresolved, 2);
      const soon = await receiveAll();
      assert.equal(soon.length, 0, 'waiting 2 s now, not 1 s');
      // An hour and more on: given up, deleted, logged.
      const third = await eventually('the events came a third time', async () => {
        const m = await receiveAll();
        return m.length === 2 && m;
      });
      const late = await new ContactEventConsumer({ ...options, now: () => Date.now() + 3_600_001 }).apply(third);
      assert.deepEqual([late.abandoned, late.unresolved], [2, 0], JSON.stringify(late));
      assert.match(logged.join('\n'), /giving up on contact .*'s event: its attributes could not be read for 60 min/);
      assert.equal(await depth(), 0);
      assert.equal((await t.store.dispositionSummary('campaign-v2-denied')).pending, 1, 'left for the settle time');
    } finally {
      emu.setFaults({});
    }
  });

  /** Lets go of every event an earlier test left waiting on the queue (as if its grace time were over). */
  async function drain(): Promise<void> {
    const late = new ContactEventConsumer({
      sqs: emulatorSqsClient(emu),
      queueUrl: emu.contactEventsQueueUrl,
      store: t.store,
      now: () => Date.now() + 3_600_001,
      log: () => undefined,
    });
    await eventually(
      'the queue drained',
      async () => {
        const m = await receiveAll();
        if (m.length > 0) await late.apply(m);
        return (await depth()) === 0;
      },
      { timeoutMs: 30_000 },
    );
  }
});
