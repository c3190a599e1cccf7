// The local Amazon Connect, driven through the real @aws-sdk/client-connect: wire format,
// SigV4, model constraints, per-entry failure codes, idempotency and the admin API.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchPutContactCommand,
  StartOutboundChatContactCommand,
  type BatchPutContactCommandInput,
  type ContactDataRequest,
  type StartOutboundChatContactCommandInput,
} from '@aws-sdk/client-connect';
import { startEmulator, TOKEN_TTL_MS, type CreatedContact, type Emulator } from '../src/emulator';
import { emulatorClient, useEmulator } from './support/emulator';
import { signedFetch } from './support/signed-fetch';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function entry(id: string, extra: Partial<ContactDataRequest> = {}): ContactDataRequest {
  return { RequestIdentifier: id, QueueId: 'queue-1', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550100' }, ...extra };
}

function batch(overrides: Partial<BatchPutContactCommandInput> = {}): BatchPutContactCommand {
  return new BatchPutContactCommand({ InstanceId: 'instance-1', ClientToken: 'token-1', ContactDataRequestList: [entry('e1'), entry('e2')], ...overrides });
}

function chatInput(overrides: Partial<StartOutboundChatContactCommandInput> = {}): StartOutboundChatContactCommandInput {
  return {
    InstanceId: 'instance-1',
    ContactFlowId: 'flow-1',
    SourceEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN', Address: 'arn:aws:connect:us-east-1:123456789012:phone-number/abc' },
    DestinationEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550123' },
    SegmentAttributes: { 'connect:Subtype': { ValueString: 'connect:SMS' } },
    ...overrides,
  };
}

function chat(overrides: Partial<StartOutboundChatContactCommandInput> = {}): StartOutboundChatContactCommand {
  return new StartOutboundChatContactCommand(chatInput(overrides));
}

/** Asserts the SDK raised the named exception with this HTTP status and a message matching `message`. */
async function rejectsWith(call: Promise<unknown>, name: string, status: number, message?: RegExp): Promise<Error> {
  const err = await call.then(
    () => assert.fail(`expected ${name}, but the call succeeded`),
    (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
  );
  assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

void describe('emulator: wire format and routing', () => {
  const local = useEmulator();

  void test('BatchPutContact creates one contact per entry and echoes RequestIdentifier', async () => {
    const out = await local.connect.send(
      new BatchPutContactCommand({
        InstanceId: 'inst/1 with space',
        ClientToken: 'tok',
        ContactDataRequestList: [
          entry('a', { Attributes: { name: 'Zoë', 'order-id': '42' }, Campaign: { CampaignId: 'camp-1' } }),
          { QueueId: 'queue-1', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+442071234567' } },
        ],
      }),
    );
    assert.equal(out.FailedRequestList?.length, 0);
    const [first, second] = out.SuccessfulRequestList ?? [];
    assert.equal(first?.RequestIdentifier, 'a');
    assert.match(first?.ContactId ?? '', UUID);
    assert.equal(second?.RequestIdentifier, undefined);
    assert.notEqual(first?.ContactId, second?.ContactId);
    assert.match(out.$metadata.requestId ?? '', UUID);

    const contacts = local.emu.contacts();
    assert.equal(contacts.length, 2);
    assert.deepEqual(contacts[0], {
      contactId: first?.ContactId ?? '',
      channel: 'VOICE',
      instanceId: 'inst/1 with space',
      clientToken: 'tok',
      requestIdentifier: 'a',
      customerAddress: '+15555550100',
      campaignId: 'camp-1',
      queueId: 'queue-1',
      attributes: { name: 'Zoë', 'order-id': '42' },
      createdAt: contacts[0]?.createdAt ?? '',
    } satisfies CreatedContact);
    assert.ok(!Number.isNaN(Date.parse(contacts[0]?.createdAt ?? '')));
  });

  void test('StartOutboundChatContact returns a ContactId and records the chat', async () => {
    const out = await local.connect.send(chat({ RelatedContactId: 'voice-contact-1', Attributes: { reason: 'deflect' } }));
    assert.match(out.ContactId ?? '', UUID);
    const [contact] = local.emu.contacts({ channel: 'CHAT' });
    assert.equal(contact?.contactId, out.ContactId);
    assert.equal(contact?.relatedContactId, 'voice-contact-1');
    assert.equal(contact?.customerAddress, '+15555550123');
    assert.deepEqual(contact?.attributes, { reason: 'deflect' });
    assert.equal(local.emu.contacts({ channel: 'VOICE' }).length, 0);
  });

  void test('every response carries x-amzn-RequestId, errors carry x-amzn-ErrorType and a Message', async () => {
    const res = await fetch(`${local.emu.url}/contact/outbound-chat`, { method: 'PUT', body: '{}' });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), { Message: 'Missing Authentication Token' });
    const admin = await fetch(`${local.emu.url}/_emulator/health`);
    assert.match(admin.headers.get('x-amzn-requestid') ?? '', UUID);
  });

  void test('an unknown route or method is a signed 404 UnknownOperationException', async () => {
    for (const [method, path] of [
      ['PUT', '/contact/nothing'],
      ['POST', '/contact/outbound-chat'],
      ['PUT', '/contact/batch/a/b'],
    ] as const) {
      const res = await signedFetch(local.emu, { method, path, body: '{}' });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
      assert.match(((await res.json()) as { Message: string }).Message, /No operation/);
    }
  });

  void test('a body that is not JSON is a 400 SerializationException', async () => {
    const res = await signedFetch(local.emu, { method: 'PUT', path: '/contact/batch/instance-1', body: '{not json' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'SerializationException');
  });
});

void describe('emulator: SigV4 and access', () => {
  const local = useEmulator({ deniedAccessKeyIds: ['denied-key'], missingInstanceIds: ['gone'] });

  void test('a correctly signed request passes (host header with port is part of the signature)', async () => {
    const res = await signedFetch(local.emu, { method: 'PUT', path: '/contact/batch/instance-1', body: JSON.stringify({ ContactDataRequestList: [entry('x')] }) });
    assert.equal(res.status, 200);
  });

  void test('the wrong secret is a 403 InvalidSignatureException', async () => {
    await rejectsWith(emulatorClient(local.emu, { secretAccessKey: 'wrong' }).send(batch()), 'InvalidSignatureException', 403, /signature we calculated does not match/);
  });

  void test('a body changed after signing is a 403 InvalidSignatureException', async () => {
    const res = await signedFetch(local.emu, {
      method: 'PUT',
      path: '/contact/batch/instance-1',
      body: JSON.stringify({ ContactDataRequestList: [entry('x')] }),
      tamper: (b) => b.replace('x', 'y'),
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
  });

  void test('UNSIGNED-PAYLOAD is refused with the signature mismatch: only S3 accepts an unsigned body', async () => {
    const res = await signedFetch(local.emu, {
      method: 'PUT',
      path: '/contact/batch/instance-1',
      body: JSON.stringify({ ContactDataRequestList: [entry('x')] }),
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    assert.equal(res.status, 403, `expected 403, got ${res.status} ${await res.clone().text()}`);
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    assert.match(((await res.json()) as { Message: string }).Message, /signature we calculated does not match/);
    assert.equal(local.emu.contacts().length, 0);
  });

  void test('an unknown access key is a 403 UnrecognizedClientException', async () => {
    await rejectsWith(emulatorClient(local.emu, { accessKeyId: 'nobody' }).send(batch()), 'UnrecognizedClientException', 403, /security token/);
  });

  void test('a signature for another region is refused', async () => {
    await rejectsWith(emulatorClient(local.emu, { region: 'eu-west-2' }).send(batch()), 'InvalidSignatureException', 403, /region/);
  });

  void test('no Authorization header is a 403 MissingAuthenticationTokenException', async () => {
    const res = await fetch(`${local.emu.url}/contact/batch/instance-1`, { method: 'PUT', body: '{}' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  });

  void test('a denied principal is a 403 AccessDeniedException on both operations', async () => {
    const denied = emulatorClient(local.emu, { accessKeyId: 'denied-key' });
    await rejectsWith(denied.send(batch()), 'AccessDeniedException', 403, /not authorized to perform: connect:BatchPutContact/);
    await rejectsWith(denied.send(chat()), 'AccessDeniedException', 403, /StartOutboundChatContact/);
  });

  void test('a missing instance is a 404 ResourceNotFoundException on both operations', async () => {
    await rejectsWith(local.connect.send(batch({ InstanceId: 'gone' })), 'ResourceNotFoundException', 404, /gone/);
    await rejectsWith(local.connect.send(chat({ InstanceId: 'gone' })), 'ResourceNotFoundException', 404, /gone/);
  });

  void test('with instanceIds configured, any other instance is not found', async () => {
    const strict = await startEmulator({ quiet: true, instanceIds: ['known'] });
    try {
      const connect = emulatorClient(strict);
      await connect.send(batch({ InstanceId: 'known' }));
      await rejectsWith(connect.send(batch({ InstanceId: 'other' })), 'ResourceNotFoundException', 404);
    } finally {
      await strict.stop();
    }
  });

  void test('a custom region and credentials are honoured', async () => {
    const custom = await startEmulator({ quiet: true, region: 'eu-central-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's3cret' } });
    try {
      const ok = emulatorClient(custom, { region: 'eu-central-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's3cret' });
      const out = await ok.send(batch());
      assert.equal(out.SuccessfulRequestList?.length, 2);
      await rejectsWith(emulatorClient(custom, { region: 'eu-central-1' }).send(batch()), 'UnrecognizedClientException', 403);
    } finally {
      await custom.stop();
    }
  });
});

void describe('emulator: model constraints answer 400 InvalidRequestException naming the field', () => {
  const local = useEmulator();

  const many = (n: number): ContactDataRequest[] => Array.from({ length: n }, (_, i) => entry(`e${i}`));
  const batchCases: [string, Partial<BatchPutContactCommandInput>, RegExp][] = [
    ['empty list', { ContactDataRequestList: [] }, /'ContactDataRequestList'.*greater than or equal to 1/],
    ['26 entries', { ContactDataRequestList: many(26) }, /'ContactDataRequestList'.*less than or equal to 25/],
    ['ClientToken of 501', { ClientToken: 'x'.repeat(501) }, /'ClientToken'.*less than or equal to 500/],
    ['InstanceId of 101', { InstanceId: 'i'.repeat(101) }, /'InstanceId'.*less than or equal to 100/],
    ['RequestIdentifier of 81', { ContactDataRequestList: [entry('r'.repeat(81))] }, /ContactDataRequestList\.1\.member\.RequestIdentifier/],
    ['Address of 257', { ContactDataRequestList: [entry('a', { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1${'5'.repeat(255)}` } })] }, /CustomerEndpoint\.Address/],
    ['attribute value of 32768', { ContactDataRequestList: [entry('a', { Attributes: { k: 'v'.repeat(32768) } })] }, /Attributes\.k.*less than or equal to 32767/],
    ['empty attribute key', { ContactDataRequestList: [entry('a', { Attributes: { '': 'v' } })] }, /Attributes.*Map keys/],
    ['CampaignId of 101', { ContactDataRequestList: [entry('a', { Campaign: { CampaignId: 'c'.repeat(101) } })] }, /Campaign\.CampaignId/],
    ['empty CampaignId', { ContactDataRequestList: [entry('a', { Campaign: { CampaignId: '' } })] }, /Campaign\.CampaignId.*greater than or equal to 1/],
    [
      'endpoint Type outside the enum',
      { ContactDataRequestList: [entry('a', { SystemEndpoint: { Type: 'PIGEON' as 'VOIP', Address: 'x' } })] },
      /SystemEndpoint\.Type.*enum value set/,
    ],
    ['OutboundStrategy Type outside the enum', { ContactDataRequestList: [entry('a', { OutboundStrategy: { Type: 'ROBOT_FIRST' as 'AGENT_FIRST' } })] }, /OutboundStrategy\.Type/],
    [
      'negative post-accept timeout',
      {
        ContactDataRequestList: [
          entry('a', {
            Campaign: { CampaignId: 'c' },
            OutboundStrategy: { Type: 'AGENT_FIRST', Config: { AgentFirst: { Preview: { PostAcceptTimeoutConfig: { DurationInSeconds: -1 }, AllowedUserActions: ['CALL'] } } } },
          }),
        ],
      },
      /DurationInSeconds.*greater than or equal to 0/,
    ],
  ];
  for (const [name, input, message] of batchCases) {
    void test(`BatchPutContact: ${name}`, async () => {
      await rejectsWith(local.connect.send(batch(input)), 'InvalidRequestException', 400, message);
    });
  }

  void test('BatchPutContact: the largest valid values pass', async () => {
    const out = await local.connect.send(
      batch({
        ClientToken: 't'.repeat(500),
        InstanceId: 'i'.repeat(100),
        ContactDataRequestList: [entry('r'.repeat(80), { Campaign: { CampaignId: 'c'.repeat(100) }, Attributes: { k: 'v'.repeat(32767) } }), ...many(24)],
      }),
    );
    assert.equal(out.SuccessfulRequestList?.length, 25);
  });

  const chatCases: [string, Partial<StartOutboundChatContactCommandInput>, RegExp][] = [
    ['SourceEndpoint of type TELEPHONE_NUMBER', { SourceEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550100' } }, /'SourceEndpoint\.Type'.*CONNECT_PHONENUMBER_ARN/],
    ['DestinationEndpoint of type VOIP', { DestinationEndpoint: { Type: 'VOIP', Address: '+15555550100' } }, /'DestinationEndpoint\.Type'.*TELEPHONE_NUMBER/],
    ['DestinationEndpoint not E.164', { DestinationEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '555-0100' } }, /'DestinationEndpoint\.Address'.*E\.164/],
    ['endpoint Type outside the enum', { DestinationEndpoint: { Type: 'FAX' as 'VOIP', Address: '+15555550100' } }, /DestinationEndpoint\.Type.*enum value set/],
    ['no SegmentAttributes', { SegmentAttributes: undefined }, /Value null at 'SegmentAttributes'.*must not be null/],
    ['SegmentAttributes key of 129', { SegmentAttributes: { ['k'.repeat(129)]: { ValueString: 'v' } } }, /SegmentAttributes/],
    ['SegmentAttributes ValueString of 1025', { SegmentAttributes: { 'connect:Subtype': { ValueString: 'v'.repeat(1025) } } }, /ValueString.*1024/],
    ['no ContactFlowId', { ContactFlowId: undefined }, /'ContactFlowId'.*must not be null/],
    ['ContactFlowId of 501', { ContactFlowId: 'f'.repeat(501) }, /'ContactFlowId'.*500/],
    ['InstanceId of 101', { InstanceId: 'i'.repeat(101) }, /'InstanceId'.*100/],
    ['ChatDurationInMinutes of 59', { ChatDurationInMinutes: 59 }, /'ChatDurationInMinutes'.*greater than or equal to 60/],
    ['ChatDurationInMinutes of 10081', { ChatDurationInMinutes: 10081 }, /'ChatDurationInMinutes'.*less than or equal to 10080/],
    ['empty DisplayName', { ParticipantDetails: { DisplayName: '' } }, /ParticipantDetails\.DisplayName/],
    ['DisplayName of 257', { ParticipantDetails: { DisplayName: 'd'.repeat(257) } }, /ParticipantDetails\.DisplayName.*256/],
    ['text/plain message of 1025', { InitialSystemMessage: { ContentType: 'text/plain', Content: 'm'.repeat(1025) } }, /InitialSystemMessage\.Content.*1024/],
    ['text/markdown message of 0', { InitialSystemMessage: { ContentType: 'text/markdown', Content: '' } }, /InitialSystemMessage\.Content/],
    ['application/json message of 12001', { InitialSystemMessage: { ContentType: 'application/json', Content: 'm'.repeat(12001) } }, /InitialSystemMessage\.Content.*12000/],
    [
      'interactive response of 12289',
      { InitialSystemMessage: { ContentType: 'application/vnd.amazonaws.connect.message.interactive.response', Content: 'm'.repeat(12289) } },
      /12288/,
    ],
    ['unknown message content type', { InitialSystemMessage: { ContentType: 'image/png', Content: 'x' } }, /InitialSystemMessage\.ContentType/],
    ['empty RelatedContactId', { RelatedContactId: '' }, /'RelatedContactId'/],
    ['RelatedContactId of 257', { RelatedContactId: 'r'.repeat(257) }, /'RelatedContactId'.*256/],
    ['content types without text/plain', { SupportedMessagingContentTypes: ['text/markdown'] }, /SupportedMessagingContentTypes.*text\/plain/],
    ['ClientToken of 501', { ClientToken: 'x'.repeat(501) }, /'ClientToken'.*500/],
  ];
  for (const [name, input, message] of chatCases) {
    void test(`StartOutboundChatContact: ${name}`, async () => {
      await rejectsWith(local.connect.send(chat(input)), 'InvalidRequestException', 400, message);
    });
  }

  void test('StartOutboundChatContact: plain Attributes take any key the model allows (it sets no character rule for them)', async () => {
    const out = await local.connect.send(chat({ Attributes: { 'has space': 'v', 'dotted.key': 'v' } }));
    assert.match(out.ContactId ?? '', UUID);
  });

  void test('StartOutboundChatContact: the largest valid values pass', async () => {
    const out = await local.connect.send(
      chat({
        ContactFlowId: 'f'.repeat(500),
        ChatDurationInMinutes: 10080,
        ParticipantDetails: { DisplayName: 'd'.repeat(256) },
        InitialSystemMessage: { ContentType: 'application/json', Content: 'm'.repeat(12000) },
        RelatedContactId: 'r'.repeat(256),
        SupportedMessagingContentTypes: ['text/plain', 'text/markdown'],
        ClientToken: 'c'.repeat(500),
      }),
    );
    assert.match(out.ContactId ?? '', UUID);
  });
});

void describe('emulator: per-entry failure codes', () => {
  const local = useEmulator({ invalidQueueIds: ['queue-gone'] });

  void test('each problem gets its FailureReasonCode; the rest of the batch is created', async () => {
    const preview = (actions: ('CALL' | 'DISCARD')[]): ContactDataRequest['OutboundStrategy'] => ({
      Type: 'AGENT_FIRST',
      Config: { AgentFirst: { Preview: { PostAcceptTimeoutConfig: { DurationInSeconds: 30 }, AllowedUserActions: actions } } },
    });
    const cases: [ContactDataRequest, string | undefined][] = [
      [entry('ok-queue'), undefined],
      [entry('ok-system', { QueueId: undefined, SystemEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550199' } }), undefined],
      [entry('ok-arn', { SystemEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN', Address: 'arn:aws:connect:us-east-1:123456789012:phone-number/p-1' } }), undefined],
      [entry('ok-strategy', { Campaign: { CampaignId: 'c1' }, OutboundStrategy: preview(['CALL', 'DISCARD']) }), undefined],
      [entry('no-customer', { CustomerEndpoint: undefined }), 'MISSING_CUSTOMER_ENDPOINT'],
      [entry('no-address', { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER' } }), 'MISSING_CUSTOMER_ENDPOINT'],
      [entry('not-e164', { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '5555550100' } }), 'INVALID_CUSTOMER_ENDPOINT'],
      [entry('leading-zero', { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+05555550100' } }), 'INVALID_CUSTOMER_ENDPOINT'],
      [entry('voip-customer', { CustomerEndpoint: { Type: 'VOIP', Address: 'sip:someone' } }), 'INVALID_CUSTOMER_ENDPOINT'],
      [entry('bad-system', { SystemEndpoint: { Type: 'EMAIL_ADDRESS', Address: 'a@b.c' } }), 'INVALID_SYSTEM_ENDPOINT'],
      [entry('bad-system-number', { SystemEndpoint: { Type: 'TELEPHONE_NUMBER', Address: 'abc' } }), 'INVALID_SYSTEM_ENDPOINT'],
      [entry('no-queue', { QueueId: undefined }), 'MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT'],
      [entry('bad-key', { Attributes: { 'first name': 'x' } }), 'INVALID_ATTRIBUTE_KEY'],
      [entry('unknown-queue', { QueueId: 'queue-gone' }), 'INVALID_QUEUE'],
      [entry('strategy-no-campaign', { OutboundStrategy: preview(['CALL']) }), 'MISSING_CAMPAIGN'],
      [entry('no-actions', { Campaign: { CampaignId: 'c1' }, OutboundStrategy: preview([]) }), 'INVALID_OUTBOUND_STRATEGY'],
      [entry('twice-call', { Campaign: { CampaignId: 'c1' }, OutboundStrategy: preview(['CALL', 'CALL']) }), 'INVALID_OUTBOUND_STRATEGY'],
      [entry('ok-queue'), 'IDEMPOTENCY_EXCEPTION'],
    ];
    const out = await local.connect.send(batch({ ContactDataRequestList: cases.map(([e]) => e) }));
    const failed = new Map((out.FailedRequestList ?? []).filter((f) => f.FailureReasonCode !== 'IDEMPOTENCY_EXCEPTION').map((f) => [f.RequestIdentifier, f]));
    for (const [e, code] of cases.slice(0, -1)) {
      assert.equal(failed.get(e.RequestIdentifier)?.FailureReasonCode, code, e.RequestIdentifier);
      if (code) assert.ok((failed.get(e.RequestIdentifier)?.FailureReasonMessage ?? '').length > 0);
    }
    const duplicate = (out.FailedRequestList ?? []).filter((f) => f.FailureReasonCode === 'IDEMPOTENCY_EXCEPTION');
    assert.deepEqual(
      duplicate.map((f) => f.RequestIdentifier),
      ['ok-queue'],
    );
    assert.deepEqual(
      out.SuccessfulRequestList?.map((s) => s.RequestIdentifier),
      ['ok-queue', 'ok-system', 'ok-arn', 'ok-strategy'],
    );
    assert.equal(local.emu.contacts().length, 4);
    const stats = local.emu.stats();
    assert.equal(stats.entries, cases.length);
    assert.equal(stats.created, 4);
    assert.equal(stats.byFailureCode.INVALID_OUTBOUND_STRATEGY, 2);
    assert.equal(stats.byFailureCode.MISSING_CUSTOMER_ENDPOINT, 2);
    assert.equal(stats.duplicates, 0);
  });
});

void describe('emulator: idempotency', () => {
  const local = useEmulator({}, Date.UTC(2030, 0, 1));

  void test('the same batch with the same token returns the original response and creates nothing more', async () => {
    const input = { ClientToken: 'same', ContactDataRequestList: [entry('a'), entry('b'), entry('bad', { QueueId: undefined })] };
    const first = await local.connect.send(batch(input));
    const second = await local.connect.send(batch(input));
    assert.equal(first.SuccessfulRequestList?.length, 2);
    assert.deepEqual(second.SuccessfulRequestList, first.SuccessfulRequestList);
    assert.deepEqual(second.FailedRequestList, first.FailedRequestList);
    assert.equal(local.emu.contacts().length, 2);
    const stats = local.emu.stats();
    assert.equal(stats.idempotentReplays, 1);
    assert.equal(stats.created, 2);
    assert.equal(stats.duplicates, 0);
  });

  void test('the same token with another body is a 409 IdempotencyException', async () => {
    await local.connect.send(batch({ ClientToken: 'tok' }));
    await rejectsWith(local.connect.send(batch({ ClientToken: 'tok', ContactDataRequestList: [entry('other')] })), 'IdempotencyException', 409, /tok/);
    await rejectsWith(local.connect.send(batch({ ClientToken: 'tok', InstanceId: 'instance-2' })), 'IdempotencyException', 409);
    assert.equal(local.emu.contacts().length, 2);
  });

  void test('a token expires after 7 days of emulator clock', async () => {
    const first = await local.connect.send(batch({ ClientToken: 'weekly' }));
    local.clock += TOKEN_TTL_MS - 1;
    const replay = await local.connect.send(batch({ ClientToken: 'weekly' }));
    assert.deepEqual(replay.SuccessfulRequestList, first.SuccessfulRequestList);
    local.clock += 1;
    const fresh = await local.connect.send(batch({ ClientToken: 'weekly' }));
    assert.notEqual(fresh.SuccessfulRequestList?.[0]?.ContactId, first.SuccessfulRequestList?.[0]?.ContactId);
    assert.equal(local.emu.contacts().length, 4);
    // Re-creating (token, RequestIdentifier) pairs is exactly what the duplicates counter exposes.
    assert.equal(local.emu.stats().duplicates, 2);
    // After expiry the token may also carry a new body.
    local.clock += TOKEN_TTL_MS;
    await local.connect.send(batch({ ClientToken: 'weekly', ContactDataRequestList: [entry('z')] }));
  });

  void test('a chat ClientToken returns the same ContactId; another body is a 409 ConflictException', async () => {
    const first = await local.connect.send(chat({ ClientToken: 'chat-tok' }));
    const again = await local.connect.send(chat({ ClientToken: 'chat-tok' }));
    assert.equal(again.ContactId, first.ContactId);
    assert.equal(local.emu.contacts({ channel: 'CHAT' }).length, 1);
    await rejectsWith(local.connect.send(chat({ ClientToken: 'chat-tok', ContactFlowId: 'flow-2' })), 'ConflictException', 409);
    local.clock += TOKEN_TTL_MS;
    const later = await local.connect.send(chat({ ClientToken: 'chat-tok' }));
    assert.notEqual(later.ContactId, first.ContactId);
  });

  void test('injected entry faults are part of the stored response; whole-call faults are not', async () => {
    local.emu.setFaults({ entryThrottleRate: 1, seed: 1 });
    const throttled = await local.connect.send(batch({ ClientToken: 'faulty' }));
    assert.deepEqual(
      throttled.FailedRequestList?.map((f) => f.FailureReasonCode),
      ['REQUEST_THROTTLED', 'REQUEST_THROTTLED'],
    );
    local.emu.setFaults({});
    const replay = await local.connect.send(batch({ ClientToken: 'faulty' }));
    assert.deepEqual(replay.FailedRequestList, throttled.FailedRequestList);
    assert.equal(local.emu.contacts().length, 0);

    local.emu.setFaults({ schedule: [{ operation: 'BatchPutContact', call: 1, error: 'InternalServiceException' }] });
    await rejectsWith(local.connect.send(batch({ ClientToken: 'after-500' })), 'InternalServiceException', 500);
    const retried = await local.connect.send(batch({ ClientToken: 'after-500' }));
    assert.equal(retried.SuccessfulRequestList?.length, 2);
    assert.equal(local.emu.contacts().length, 2);
  });
});

void describe('emulator: admin endpoints', () => {
  const local = useEmulator();

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${local.emu.url}/_emulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  void test('health, contacts (with filters and paging) and stats', async () => {
    const health = await fetch(`${local.emu.url}/_emulator/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');

    await local.connect.send(batch({ ContactDataRequestList: Array.from({ length: 25 }, (_, i) => entry(`e${i}`)) }));
    const chatOut = await local.connect.send(chat());
    const all = (await (await fetch(`${local.emu.url}/_emulator/contacts`)).json()) as CreatedContact[];
    assert.equal(all.length, 26);
    assert.deepEqual(all, local.emu.contacts());
    const chats = (await (await fetch(`${local.emu.url}/_emulator/contacts?channel=CHAT`)).json()) as CreatedContact[];
    assert.deepEqual(
      chats.map((c) => c.contactId),
      [chatOut.ContactId],
    );
    const page = (await (await fetch(`${local.emu.url}/_emulator/contacts?channel=VOICE&offset=20&limit=3`)).json()) as CreatedContact[];
    assert.deepEqual(
      page.map((c) => c.requestIdentifier),
      ['e20', 'e21', 'e22'],
    );
    assert.equal((await fetch(`${local.emu.url}/_emulator/contacts?channel=FAX`)).status, 400);

    const stats = (await (await fetch(`${local.emu.url}/_emulator/stats`)).json()) as ReturnType<Emulator['stats']>;
    assert.deepEqual(stats, local.emu.stats());
    assert.deepEqual(stats.calls, {
      BatchPutContact: 1,
      StartOutboundChatContact: 1,
      PutOutboundRequestBatch: 0,
      GetCampaignState: 0,
      DescribeContact: 0,
      GetContactAttributes: 0,
    });
    assert.equal(stats.created, 26);
    assert.deepEqual(stats.byStatus, { '200': 2 });
  });

  void test('POST faults validates its body and names the bad field', async () => {
    const bad = await post('faults', { entryThrottleRate: 2 });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { Message: string }).Message, /entryThrottleRate/);
    const badSchedule = await post('faults', { schedule: [{ operation: 'BatchPutContact', call: 1, error: 'Boom' }] });
    assert.equal(badSchedule.status, 400);
    assert.match(((await badSchedule.json()) as { Message: string }).Message, /schedule\.0\.error/);
    assert.equal((await post('faults', { unknownKnob: true })).status, 400);
    assert.throws(() => local.emu.setFaults({ callInternalErrorRate: -1 }), /callInternalErrorRate/);

    const ok = await post('faults', { schedule: [{ operation: 'StartOutboundChatContact', error: 'ThrottlingException' }] });
    assert.equal(ok.status, 200);
    await rejectsWith(local.connect.send(chat()), 'ThrottlingException', 429);
    await local.connect.send(chat());
  });

  void test('POST config changes knobs at runtime; POST reset clears contacts, tokens, stats and faults', async () => {
    assert.equal((await post('config', { missingInstanceIds: ['instance-1'] })).status, 200);
    await rejectsWith(local.connect.send(batch()), 'ResourceNotFoundException', 404);
    assert.equal((await post('config', { missingInstanceIds: [], latencyMs: 'slow' })).status, 400);
    assert.equal((await post('config', { missingInstanceIds: [] })).status, 200);
    const first = await local.connect.send(batch({ ClientToken: 'kept?' }));
    assert.equal((await post('faults', { callInternalErrorRate: 1 })).status, 200);

    assert.equal((await post('reset', {})).status, 200);
    assert.equal(local.emu.contacts().length, 0);
    assert.equal(local.emu.stats().created, 0);
    // Faults are gone and the token is forgotten: the same token creates new contacts.
    const again = await local.connect.send(batch({ ClientToken: 'kept?' }));
    assert.notEqual(again.SuccessfulRequestList?.[0]?.ContactId, first.SuccessfulRequestList?.[0]?.ContactId);
  });

  void test('an unknown admin endpoint is a 404', async () => {
    assert.equal((await fetch(`${local.emu.url}/_emulator/nothing`)).status, 404);
  });
});
