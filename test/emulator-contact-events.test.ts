// The emulator dials and tells what happened as AWS does: Amazon Connect contact events in
// their EventBridge envelope on an SQS queue served in the AWS JSON 1.0 protocol, read with the
// unmodified @aws-sdk/client-sqs and the AWS CLI, and DescribeContact and GetContactAttributes
// through @aws-sdk/client-connect (GetContactAttributes through the AWS CLI too).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BatchPutContactCommand,
  DescribeContactCommand,
  GetContactAttributesCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  type ConnectClient,
} from '@aws-sdk/client-connect';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PutOutboundRequestBatchCommand } from '@aws-sdk/client-connectcampaignsv2';
import type { CallSettings, Emulator } from '../src/emulator';
import { emulatorCampaignsClient, emulatorSqsClient, useEmulator } from './support/emulator';

const run = promisify(execFile);

interface ContactEvent {
  source: string;
  'detail-type': string;
  detail: { eventType: string; contactId: string; instanceArn: string; disconnectReason?: string; answeringMachineDetectionStatus?: string; campaign?: { campaignId: string } };
}

function entry(id: string, number: string) {
  return { RequestIdentifier: id, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER' as const, Address: number }, QueueId: 'queue-1', Campaign: { CampaignId: 'campaign-1' } };
}

/** Receives (and deletes) until `count` events came or the wait ran out. */
async function drain(sqs: SQSClient, queueUrl: string, count: number, waitMs = 10_000): Promise<ContactEvent[]> {
  const events: ContactEvent[] = [];
  const until = Date.now() + waitMs;
  while (events.length < count && Date.now() < until) {
    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    for (const m of answer.Messages ?? []) {
      events.push(JSON.parse(m.Body ?? '') as ContactEvent);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return events;
}

async function dial(fixture: { emu: Emulator; connect: ConnectClient }, calls: CallSettings, entries: ReturnType<typeof entry>[]) {
  fixture.emu.configure({ calls });
  const answer = await fixture.connect.send(
    new BatchPutContactCommand({ InstanceId: 'instance-1', ClientToken: `token-${entries[0]?.RequestIdentifier ?? ''}`, ContactDataRequestList: entries }),
  );
  return new Map((answer.SuccessfulRequestList ?? []).map((s) => [s.RequestIdentifier ?? '', s.ContactId ?? '']));
}

describe('emulator contact events and SQS', () => {
  const fixture = useEmulator();

  test('each created contact rings, ends as scripted per number, and its events arrive in the EventBridge envelope', async () => {
    const sqs = emulatorSqsClient(fixture.emu);
    const ids = await dial(
      fixture,
      {
        ringMs: 50,
        byNumber: { '+15555550101': 'HUMAN_ANSWERED', '+15555550102': 'VOICEMAIL', '+15555550103': 'BUSY', '+15555550104': 'NO_ANSWER', '+15555550105': 'INVALID_NUMBER' },
      },
      [entry('a', '+15555550101'), entry('b', '+15555550102'), entry('c', '+15555550103'), entry('d', '+15555550104'), entry('e', '+15555550105')],
    );
    // INITIATED for all five, CONNECTED_TO_SYSTEM for the two answered, DISCONNECTED for all five.
    const events = await drain(sqs, fixture.emu.contactEventsQueueUrl, 12);
    assert.equal(events.length, 12, JSON.stringify(events.map((e) => e.detail.eventType)));
    for (const e of events) {
      assert.equal(e.source, 'aws.connect');
      assert.equal(e['detail-type'], 'Amazon Connect Contact Event');
      assert.deepEqual(e.detail.campaign, { campaignId: 'campaign-1' });
    }
    const ended = (id: string) => events.find((e) => e.detail.contactId === ids.get(id) && e.detail.eventType === 'DISCONNECTED')?.detail;
    assert.deepEqual([ended('a')?.answeringMachineDetectionStatus, ended('a')?.disconnectReason], ['HUMAN_ANSWERED', 'CUSTOMER_DISCONNECT']);
    assert.equal(ended('b')?.answeringMachineDetectionStatus, 'VOICEMAIL_BEEP');
    assert.deepEqual([ended('c')?.answeringMachineDetectionStatus, ended('c')?.disconnectReason], ['SIT_TONE_BUSY', 'TELECOM_BUSY']);
    assert.equal(ended('d')?.disconnectReason, 'TELECOM_UNANSWERED');
    assert.equal(ended('e')?.disconnectReason, 'TELECOM_NUMBER_INVALID');
    const dispositions: Record<string, string | undefined> = Object.fromEntries(fixture.emu.contacts().map((c) => [c.requestIdentifier ?? '', c.disposition]));
    assert.deepEqual(dispositions, { a: 'HUMAN_ANSWERED', b: 'VOICEMAIL', c: 'BUSY', d: 'NO_ANSWER', e: 'INVALID_NUMBER' });
  });

  test('successive calls to one number take the scripted outcomes in turn, the last repeating', async () => {
    const number = '+15555550111';
    fixture.emu.configure({ calls: { ringMs: 0, byNumber: { [number]: ['NO_ANSWER', 'HUMAN_ANSWERED'] } } });
    for (const token of ['t1', 't2', 't3']) {
      await fixture.connect.send(new BatchPutContactCommand({ InstanceId: 'instance-1', ClientToken: token, ContactDataRequestList: [entry(token, number)] }));
    }
    await drain(emulatorSqsClient(fixture.emu), fixture.emu.contactEventsQueueUrl, 8);
    assert.deepEqual(
      fixture.emu.contacts().map((c) => c.disposition),
      ['NO_ANSWER', 'HUMAN_ANSWERED', 'HUMAN_ANSWERED'],
    );
  });

  test('a long poll waits for the call to end; an unanswered receive hides the message for its visibility timeout, then delivers it again with a new receipt handle', async () => {
    const sqs = emulatorSqsClient(fixture.emu);
    const queueUrl = fixture.emu.contactEventsQueueUrl;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"poison": true}', DelaySeconds: 1 }));
    const started = Date.now();
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, VisibilityTimeout: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    assert.ok(Date.now() - started >= 900, `the long poll answered after ${Date.now() - started} ms, before the message's delay ended`);
    const [m1] = first.Messages ?? [];
    assert.equal(m1?.Attributes?.ApproximateReceiveCount, '1');
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    assert.equal(hidden.Messages, undefined, 'a received message is invisible until its visibility timeout ends');
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['All'] }));
    const [m2] = again.Messages ?? [];
    assert.equal(m2?.MessageId, m1?.MessageId);
    assert.notEqual(m2?.ReceiptHandle, m1?.ReceiptHandle);
    assert.equal(m2?.Attributes?.ApproximateReceiveCount, '2');
    // The old handle is stale: SQS answers success and deletes nothing.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m1?.ReceiptHandle }));
    const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.deepEqual(counts.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m2?.ReceiptHandle, VisibilityTimeout: 0 }));
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    const batch = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [...(third.Messages ?? []).map((m: Message, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'bogus', ReceiptHandle: 'not-a-handle' }],
      }),
    );
    assert.deepEqual(batch.Successful, [{ Id: 'm0' }]);
    assert.deepEqual(
      batch.Failed?.map((f) => [f.Id, f.Code, f.SenderFault]),
      [['bogus', 'ReceiptHandleIsInvalid', true]],
    );
  });

  test('errors come as SQS answers them: the SDK raises its typed exceptions', async () => {
    const sqs = emulatorSqsClient(fixture.emu);
    await assert.rejects(
      sqs.send(new DeleteMessageCommand({ QueueUrl: fixture.emu.contactEventsQueueUrl, ReceiptHandle: 'nope' })),
      (err) => err instanceof ReceiptHandleIsInvalid,
    );
    await assert.rejects(sqs.send(new ReceiveMessageCommand({ QueueUrl: `${fixture.emu.url}/000000000000/other` })), (err) => err instanceof QueueDoesNotExist);
    await assert.rejects(sqs.send(new ReceiveMessageCommand({ QueueUrl: fixture.emu.contactEventsQueueUrl, WaitTimeSeconds: 21 })), (err: Error) => {
      assert.equal(err.name, 'InvalidParameterValue');
      assert.match(err.message, /WaitTimeSeconds/);
      return true;
    });
    await assert.rejects(
      sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: fixture.emu.contactEventsQueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, ReceiptHandle: 'h' })) }),
      ),
      (err: Error) => err.name === 'TooManyEntriesInBatchRequest',
    );
  });

  test('duplicated, dropped and reordered events: the knobs shape the stream, DescribeContact still tells every call', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => entry(`r${i}`, `+1555555${String(1000 + i)}`));
    const ids = await dial(fixture, { ringMs: 0, outcomes: { NO_ANSWER: 1 }, duplicateRate: 0.5, seed: 7 }, entries);
    const events = await drain(emulatorSqsClient(fixture.emu), fixture.emu.contactEventsQueueUrl, 1000, 3_000);
    const disconnects = events.filter((e) => e.detail.eventType === 'DISCONNECTED');
    assert.ok(disconnects.length > 20, `with duplicateRate 0.5 some of the 20 DISCONNECTED events come twice, not ${disconnects.length}`);
    assert.equal(new Set(disconnects.map((e) => e.detail.contactId)).size, 20);

    fixture.emu.configure({ calls: { ringMs: 0, outcomes: { BUSY: 1 }, silentNumbers: ['+15555559999'] } });
    const silent = await fixture.connect.send(
      new BatchPutContactCommand({ InstanceId: 'instance-1', ClientToken: 'silent', ContactDataRequestList: [entry('s', '+15555559999')] }),
    );
    const contactId = silent.SuccessfulRequestList?.[0]?.ContactId ?? '';
    const heard = await drain(emulatorSqsClient(fixture.emu), fixture.emu.contactEventsQueueUrl, 2, 1_500);
    assert.deepEqual(
      heard.map((e) => e.detail.eventType),
      ['INITIATED'],
      'a silent number publishes INITIATED only',
    );
    const described = await fixture.connect.send(new DescribeContactCommand({ InstanceId: 'instance-1', ContactId: contactId }));
    assert.equal(described.Contact?.DisconnectReason, 'TELECOM_BUSY');
    assert.equal(described.Contact?.AnsweringMachineDetectionStatus, 'SIT_TONE_BUSY');
    assert.ok(described.Contact?.DisconnectTimestamp instanceof Date);
    assert.deepEqual(described.Contact?.Attributes, { RequestIdentifier: 's' });
    assert.ok(ids.size === 20);
    await assert.rejects(
      fixture.connect.send(new DescribeContactCommand({ InstanceId: 'instance-1', ContactId: '00000000-0000-4000-8000-000000000000' })),
      (err) => err instanceof ResourceNotFoundException,
    );
  });

  test('v2 dial requests are dialled too: their contact carries the campaign and the request attributes', async () => {
    fixture.emu.configure({ calls: { ringMs: 0, outcomes: { VOICEMAIL: 1 } } });
    const campaigns = emulatorCampaignsClient(fixture.emu);
    const answer = await campaigns.send(
      new PutOutboundRequestBatchCommand({
        id: 'v2-campaign',
        outboundRequests: [
          {
            clientToken: 'req-1',
            expirationTime: new Date(Date.now() + 3_600_000),
            channelSubtypeParameters: { telephony: { destinationPhoneNumber: '+15555550123', attributes: { RequestIdentifier: 'c-1' } } },
          },
        ],
      }),
    );
    const events = await drain(emulatorSqsClient(fixture.emu), fixture.emu.contactEventsQueueUrl, 3);
    const ended = events.find((e) => e.detail.eventType === 'DISCONNECTED');
    assert.deepEqual(ended?.detail.campaign, { campaignId: 'v2-campaign' });
    assert.notEqual(ended?.detail.contactId, answer.successfulRequests?.[0]?.id, 'the contact is not the dial request');
    assert.equal(fixture.emu.contacts({ channel: 'OUTBOUND_REQUEST' })[0]?.disposition, 'VOICEMAIL');
  });

  test("GetContactAttributes answers a v2 call's request attributes and a BatchPutContact entry's, and 404 for a contact it does not have", async () => {
    fixture.emu.configure({ calls: { ringMs: 0, outcomes: { NO_ANSWER: 1 } } });
    await emulatorCampaignsClient(fixture.emu).send(
      new PutOutboundRequestBatchCommand({
        id: 'v2-campaign',
        outboundRequests: [
          {
            clientToken: 'req-attrs',
            expirationTime: new Date(Date.now() + 3_600_000),
            channelSubtypeParameters: { telephony: { destinationPhoneNumber: '+15555550124', attributes: { RequestIdentifier: 'c-2', ConnectDialerRequest: 'req-attrs' } } },
          },
        ],
      }),
    );
    const [initiated] = await drain(emulatorSqsClient(fixture.emu), fixture.emu.contactEventsQueueUrl, 1);
    assert.ok(initiated !== undefined, 'the v2 call published its INITIATED event');
    // The consumer's way: the instance from the event's instanceArn, the contact from its contactId.
    const instanceId = initiated.detail.instanceArn.split('/').at(-1) ?? '';
    const v2 = await fixture.connect.send(new GetContactAttributesCommand({ InstanceId: instanceId, InitialContactId: initiated.detail.contactId }));
    assert.deepEqual(v2.Attributes, { RequestIdentifier: 'c-2', ConnectDialerRequest: 'req-attrs' });

    fixture.emu.configure({ calls: undefined });
    const created = await fixture.connect.send(
      new BatchPutContactCommand({ InstanceId: 'instance-1', ClientToken: 'attrs', ContactDataRequestList: [{ ...entry('v1', '+15555550125'), Attributes: { tier: 'gold' } }] }),
    );
    const v1 = await fixture.connect.send(new GetContactAttributesCommand({ InstanceId: 'instance-1', InitialContactId: created.SuccessfulRequestList?.[0]?.ContactId ?? '' }));
    assert.deepEqual(v1.Attributes, { tier: 'gold' });

    await assert.rejects(
      fixture.connect.send(new GetContactAttributesCommand({ InstanceId: 'instance-1', InitialContactId: '00000000-0000-4000-8000-000000000000' })),
      (err) => err instanceof ResourceNotFoundException,
    );
    await assert.rejects(
      fixture.connect.send(new GetContactAttributesCommand({ InstanceId: 'instance-1', InitialContactId: 'x'.repeat(257) })),
      (err) => err instanceof InvalidRequestException && /InitialContactId/.test(err.message),
    );
    assert.equal(fixture.emu.stats().calls.GetContactAttributes, 4);
  });

  test("the AWS CLI reads a contact's attributes with get-contact-attributes", async () => {
    const ids = await dial(fixture, { ringMs: 0, outcomes: { HUMAN_ANSWERED: 1 } }, [
      { ...entry('cli-attrs', '+15555550178'), Attributes: { tier: 'gold' } } as ReturnType<typeof entry>,
    ]);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    const { stdout } = await run(
      'aws',
      [
        'connect',
        'get-contact-attributes',
        '--instance-id',
        'instance-1',
        '--initial-contact-id',
        ids.get('cli-attrs') ?? '',
        '--endpoint-url',
        fixture.emu.url,
        '--output',
        'json',
      ],
      { env },
    );
    assert.deepEqual(JSON.parse(stdout), { Attributes: { tier: 'gold', RequestIdentifier: 'cli-attrs' } });
  });

  test('the AWS CLI reads and deletes the contact events', async () => {
    await dial(fixture, { ringMs: 0, outcomes: { HUMAN_ANSWERED: 1 } }, [entry('cli', '+15555550177')]);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    const aws = async (...args: string[]): Promise<unknown> => {
      const { stdout } = await run('aws', ['sqs', ...args, '--queue-url', fixture.emu.contactEventsQueueUrl, '--endpoint-url', fixture.emu.url, '--output', 'json'], { env });
      return stdout.trim() === '' ? {} : JSON.parse(stdout);
    };
    const received = (await aws('receive-message', '--max-number-of-messages', '10', '--wait-time-seconds', '2')) as { Messages?: { Body: string; ReceiptHandle: string }[] };
    const types = (received.Messages ?? []).map((m) => (JSON.parse(m.Body) as ContactEvent).detail.eventType);
    assert.ok(types.includes('INITIATED'), `the CLI received ${types.join(', ')}`);
    const entries = JSON.stringify((received.Messages ?? []).map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })));
    const deleted = (await aws('delete-message-batch', '--entries', entries)) as { Successful: unknown[]; Failed?: unknown[] };
    assert.equal(deleted.Successful.length, received.Messages?.length);
  });
});
