// The emulator held to the Connect service model itself: botocore's copy of the model is
// walked, and every constraint on BatchPutContact's, StartOutboundChatContact's and
// GetContactAttributes' input is tried just inside and just outside its boundary through the
// real @aws-sdk/client-connect.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchPutContactCommand,
  ConnectServiceException,
  GetContactAttributesCommand,
  StartOutboundChatContactCommand,
  type BatchPutContactCommandInput,
  type ConnectClient,
  type GetContactAttributesCommandInput,
  type StartOutboundChatContactCommandInput,
} from '@aws-sdk/client-connect';
import {
  ConnectCampaignsV2ServiceException,
  PutOutboundRequestBatchCommand,
  type ConnectCampaignsV2Client,
  type PutOutboundRequestBatchCommandInput,
} from '@aws-sdk/client-connectcampaignsv2';
import type { Emulator } from '../src/emulator';
import { BOTOCORE_VERSION, campaignsV2Model, connectModel } from './support/botocore-model';
import { emulatorCampaignsClient, useEmulator } from './support/emulator';
import { boundaryCases, type BoundaryCase, type Expectation } from './support/model-boundaries';
import { signedFetch } from './support/signed-fetch';

const SMS_NUMBER_ARN = 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1';

/** Every member set, so the walk reaches every constraint; the emulator accepts it as it is. */
const batchBase: BatchPutContactCommandInput = {
  InstanceId: 'instance-1',
  ClientToken: 'batch-token',
  ContactDataRequestList: [
    {
      SystemEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550100' },
      CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550123' },
      RequestIdentifier: 'entry-1',
      QueueId: 'queue-1',
      Attributes: { customerName: 'Ada' },
      Campaign: { CampaignId: 'campaign-1' },
      OutboundStrategy: {
        Type: 'AGENT_FIRST',
        Config: { AgentFirst: { Preview: { PostAcceptTimeoutConfig: { DurationInSeconds: 30 }, AllowedUserActions: ['CALL'] } } },
      },
    },
  ],
};

const chatBase: StartOutboundChatContactCommandInput = {
  SourceEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN', Address: SMS_NUMBER_ARN },
  DestinationEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550123' },
  InstanceId: 'instance-1',
  SegmentAttributes: {
    'connect:Subtype': {
      ValueString: 'connect:SMS',
      ValueMap: { ExpiryDuration: { ValueInteger: 135 } },
      ValueInteger: 1,
      ValueList: [{ ValueString: 'item' }],
      ValueArn: 'arn:aws:connect:us-east-1:123456789012:instance/instance-1',
    },
  },
  Attributes: { customerName: 'Ada' },
  ContactFlowId: 'flow-sms',
  ChatDurationInMinutes: 120,
  ParticipantDetails: { DisplayName: 'Dialer' },
  InitialSystemMessage: { ContentType: 'text/plain', Content: 'We tried to call you.' },
  InitialTemplatedSystemMessage: {
    KnowledgeBaseId: 'kb-1',
    MessageTemplateId: 'template-1',
    TemplateAttributes: { CustomAttributes: { firstName: 'Ada' }, CustomerProfileAttributes: '{"FirstName":"Ada"}' },
  },
  RelatedContactId: 'voice-contact-1',
  SupportedMessagingContentTypes: ['text/plain', 'text/markdown'],
  ClientToken: 'chat-token',
};

/** A documented rule that refuses values the model allows: such an inside case is refused, for this reason. */
interface DocumentedRule {
  field: string;
  refuses(value: unknown): boolean;
  says: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const CONTENT_TYPES = ['text/plain', 'text/markdown', 'application/json', 'application/vnd.amazonaws.connect.message.interactive.response'];
const MESSAGING_TYPES = [
  'text/plain',
  'text/markdown',
  'application/json',
  'application/vnd.amazonaws.connect.message.interactive',
  'application/vnd.amazonaws.connect.message.interactive.response',
];

/** From the StartOutboundChatContact and StartChatContact API references. */
const chatRules: DocumentedRule[] = [
  { field: 'SourceEndpoint.Type', refuses: (v) => v !== 'CONNECT_PHONENUMBER_ARN', says: 'Member must be CONNECT_PHONENUMBER_ARN' },
  {
    field: 'SourceEndpoint.Address',
    refuses: (v) => typeof v !== 'string' || !v.startsWith(SMS_NUMBER_ARN),
    says: 'Member must be the ARN of a phone number claimed in Amazon Connect',
  },
  { field: 'DestinationEndpoint.Type', refuses: (v) => v !== 'TELEPHONE_NUMBER', says: 'Member must be TELEPHONE_NUMBER' },
  { field: 'DestinationEndpoint.Address', refuses: (v) => typeof v !== 'string' || !E164.test(v), says: 'Member must be a phone number in E.164 format' },
  {
    field: 'InitialSystemMessage.ContentType',
    refuses: (v) => typeof v !== 'string' || !CONTENT_TYPES.includes(v),
    says: `Member must satisfy enum value set: [${CONTENT_TYPES.join(', ')}]`,
  },
  {
    field: 'InitialSystemMessage.Content',
    refuses: (v) => typeof v === 'string' && v.length > 1024,
    says: 'Member must have length between 1 and 1024 for content type text/plain',
  },
  {
    field: 'SupportedMessagingContentTypes.1.member',
    refuses: (v) => typeof v !== 'string' || !MESSAGING_TYPES.includes(v),
    says: `Member must satisfy enum value set: [${MESSAGING_TYPES.join(', ')}]`,
  },
];

function expectationOf(c: BoundaryCase, rules: DocumentedRule[]): Expectation {
  if (c.expect.kind === 'refused') return c.expect;
  const rule = rules.find((r) => r.field === c.field && r.refuses(c.value));
  return rule === undefined ? c.expect : { kind: 'refused', says: `Value at '${c.field}' failed to satisfy constraint: ${rule.says}` };
}

interface Answer {
  status: number;
  errorType?: string;
  message?: string;
}

async function answerOf(call: Promise<unknown>): Promise<Answer> {
  try {
    await call;
    return { status: 200 };
  } catch (err) {
    if (!(err instanceof ConnectServiceException)) throw err;
    return { status: err.$metadata.httpStatusCode ?? 0, errorType: err.name, message: err.message };
  }
}

function show(answer: Answer): string {
  return answer.status === 200 ? '200' : `${answer.status} ${answer.errorType ?? '?'}: ${(answer.message ?? '').slice(0, 400)}`;
}

type Operation = 'BatchPutContact' | 'StartOutboundChatContact';

function send(connect: ConnectClient, operation: Operation, request: Record<string, unknown>): Promise<unknown> {
  // The cases break the types on purpose (values outside enums, required members left out).
  return operation === 'BatchPutContact'
    ? connect.send(new BatchPutContactCommand(request as unknown as BatchPutContactCommandInput))
    : connect.send(new StartOutboundChatContactCommand(request as unknown as StartOutboundChatContactCommandInput));
}

/**
 * BatchPutContact's InstanceId is the URI label of `/contact/batch/{InstanceId}`. Empty, the
 * path is `/contact/batch/`, which is no operation: 404 UnknownOperationException rather than
 * a length complaint. Absent, the SDK will not even send the request, so it goes by hand.
 */
async function checkEmptyLabel(emu: Emulator, connect: ConnectClient, c: BoundaryCase): Promise<void> {
  let status: number;
  let errorType: string | null | undefined;
  if (c.value === undefined) {
    await assert.rejects(send(connect, 'BatchPutContact', c.request), /InstanceId/, 'the SDK refuses to send a request without its InstanceId label');
    const res = await signedFetch(emu, { method: 'PUT', path: '/contact/batch/', body: JSON.stringify(c.request) });
    status = res.status;
    errorType = res.headers.get('x-amzn-errortype');
  } else {
    const answer = await answerOf(send(connect, 'BatchPutContact', c.request));
    status = answer.status;
    errorType = answer.errorType;
  }
  assert.equal(status, 404, `${c.name}: expected 404, got ${status} ${String(errorType)}`);
  assert.equal(errorType, 'UnknownOperationException');
}

async function check(emu: Emulator, connect: ConnectClient, operation: Operation, c: BoundaryCase, rules: DocumentedRule[]): Promise<void> {
  if (c.inUri && operation === 'BatchPutContact' && (c.value === undefined || c.value === '')) return checkEmptyLabel(emu, connect, c);
  const expected = expectationOf(c, rules);
  const answer = await answerOf(send(connect, operation, c.request));
  if (expected.kind === 'accepted') {
    assert.equal(answer.status, 200, `${c.name}: expected 200, got ${show(answer)}`);
    return;
  }
  assert.equal(answer.errorType, 'InvalidRequestException', `${c.name}: expected 400 InvalidRequestException, got ${show(answer)}`);
  assert.equal(answer.status, 400);
  assert.ok(answer.message?.includes(expected.says), `${c.name}: expected the message to say «${expected.says.slice(0, 300)}», got ${show(answer)}`);
}

function verdict(c: BoundaryCase, rules: DocumentedRule[]): string {
  const expected = expectationOf(c, rules);
  if (expected.kind === 'accepted') return 'accepted';
  return c.expect.kind === 'accepted' ? 'refused by a documented rule' : 'refused';
}

/** The cases grouped by constraint, in the model's order. */
function byConstraint(cases: BoundaryCase[]): Map<string, BoundaryCase[]> {
  const groups = new Map<string, BoundaryCase[]>();
  for (const c of cases) groups.set(c.constraint, [...(groups.get(c.constraint) ?? []), c]);
  return groups;
}

const model = connectModel();
const tables: [Operation, BoundaryCase[], DocumentedRule[]][] = [
  ['BatchPutContact', boundaryCases(model, 'BatchPutContact', batchBase), []],
  ['StartOutboundChatContact', boundaryCases(model, 'StartOutboundChatContact', chatBase), chatRules],
];

void describe(`emulator: every input constraint of the Connect model (botocore ${BOTOCORE_VERSION}) at its boundary`, () => {
  const local = useEmulator();

  void test('the base requests, every member set, are accepted as they are', async () => {
    const batch = await local.connect.send(new BatchPutContactCommand(batchBase));
    assert.deepEqual(batch.FailedRequestList, [], 'the base entry is one Connect would dial');
    await local.connect.send(new StartOutboundChatContactCommand(chatBase));
  });

  // A guard on the walk itself: a base request or walker change that silently drops checks fails here.
  void test('the walk reaches every constraint of both operations', () => {
    const counts = tables.map(([operation, cases]) => {
      const constraints = [...byConstraint(cases).keys()];
      const optional = constraints.filter((k) => k.endsWith(': optional')).length;
      return `${operation}: ${constraints.length - optional} model constraints and ${optional} optional members in ${cases.length} requests`;
    });
    assert.deepEqual(counts, [
      'BatchPutContact: 27 model constraints and 16 optional members in 70 requests',
      'StartOutboundChatContact: 53 model constraints and 19 optional members in 116 requests',
    ]);
  });

  void test('a constraint the walker cannot check fails the walk instead of going untested', () => {
    const withPattern = structuredClone(model);
    const clientToken = withPattern.shapes.ClientToken;
    assert.ok(clientToken, 'the model has a ClientToken shape');
    Object.assign(clientToken, { uniqueItems: true });
    assert.throws(() => boundaryCases(withPattern, 'BatchPutContact', batchBase), /ClientToken has 'uniqueItems'/);
    assert.throws(() => boundaryCases(model, 'BatchPutContact', { ...batchBase, ClientToken: undefined }), /no ClientToken/);
  });

  for (const [operation, cases, rules] of tables) {
    for (const [constraint, group] of byConstraint(cases)) {
      const sides = group.map((c) => `${c.name.slice(c.field.length + 2)} ${verdict(c, rules)}`).join('; ');
      void test(`${operation} ${constraint}: ${sides}`, async () => {
        for (const c of group) {
          local.emu.reset();
          await check(local.emu, local.connect, operation, c, rules);
        }
      });
    }
  }
});

void describe("emulator: StartOutboundChatContact's documented rules, checked after the model", () => {
  const local = useEmulator();
  const chatWith = (overrides: Partial<StartOutboundChatContactCommandInput>): StartOutboundChatContactCommand =>
    new StartOutboundChatContactCommand({ ...chatBase, ClientToken: undefined, ...overrides });

  // The docs allow "only alphanumeric, -, and _" in segment attribute keys, and name their
  // own keys with a `connect:` namespace; so do we.
  for (const key of ['connect:Subtype', 'connect:ContactExpiry', 'customer_tier-2']) {
    void test(`segment attribute key '${key}' is accepted`, async () => {
      await local.connect.send(chatWith({ SegmentAttributes: { ...chatBase.SegmentAttributes, [key]: { ValueString: 'v' } } }));
    });
  }
  for (const key of ['has space', 'other:Subtype', 'connect:', 'connect:Sub.type', 'clé']) {
    void test(`segment attribute key '${key}' is refused naming SegmentAttributes`, async () => {
      const answer = await answerOf(local.connect.send(chatWith({ SegmentAttributes: { ...chatBase.SegmentAttributes, [key]: { ValueString: 'v' } } })));
      assert.equal(answer.errorType, 'InvalidRequestException', show(answer));
      assert.ok(answer.message?.includes(`Value '${key}' at 'SegmentAttributes' failed to satisfy constraint: Map keys must satisfy constraint`), show(answer));
    });
  }

  void test("a template's CustomAttributes take any key the model allows: it sets no character rule for them", async () => {
    const CustomAttributes = { 'has space': 'v', 'dotted.key': 'v', clé: 'v' };
    const answer = await answerOf(
      local.connect.send(chatWith({ InitialTemplatedSystemMessage: { KnowledgeBaseId: 'kb-1', MessageTemplateId: 'template-1', TemplateAttributes: { CustomAttributes } } })),
    );
    assert.equal(answer.status, 200, show(answer));
  });

  void test('a request that breaks the model and a documented rule hears about the model only, as from AWS', async () => {
    const answer = await answerOf(local.connect.send(chatWith({ ContactFlowId: 'f'.repeat(501), DestinationEndpoint: { Type: 'VOIP', Address: '555' } })));
    assert.equal(answer.errorType, 'InvalidRequestException', show(answer));
    assert.match(answer.message ?? '', /^1 validation error detected: Value at 'ContactFlowId' failed to satisfy constraint: Member must have length less than or equal to 500$/);
  });
});

/**
 * Outbound Campaigns v2 (issue 11): every member the walk can set. The channel is a union, so
 * the base sets its telephony member, the one the emulator dials; sms, email and whatsApp
 * cannot be set beside it and are not walked.
 */
const outboundBase: PutOutboundRequestBatchCommandInput = {
  id: 'arn:aws:connect-campaigns:us-east-1:123456789012:campaign/c-1',
  outboundRequests: [
    {
      clientToken: 'entry-1',
      expirationTime: new Date('2100-01-01T00:00:00Z'),
      channelSubtypeParameters: {
        telephony: {
          destinationPhoneNumber: '+15555550123',
          attributes: { customerName: 'Ada' },
          connectSourcePhoneNumber: '+15555550100',
          answerMachineDetectionConfig: { enableAnswerMachineDetection: true, awaitAnswerMachinePrompt: false },
          ringTimeout: 30,
        },
      },
    },
  ],
};

async function campaignsAnswerOf(call: Promise<unknown>): Promise<Answer> {
  try {
    await call;
    return { status: 200 };
  } catch (err) {
    if (!(err instanceof ConnectCampaignsV2ServiceException)) throw err;
    return { status: err.$metadata.httpStatusCode ?? 0, errorType: err.name, message: err.message };
  }
}

/**
 * An empty `id` label makes the path `/v2/campaigns//outbound-requests`, which is no operation:
 * 404 UnknownOperationException rather than a length complaint. Absent, the SDK will not send it.
 */
async function checkEmptyCampaignLabel(emu: Emulator, campaigns: ConnectCampaignsV2Client, c: BoundaryCase): Promise<void> {
  const request = c.request as unknown as PutOutboundRequestBatchCommandInput;
  let answer: Answer;
  if (c.value === undefined) {
    await assert.rejects(campaigns.send(new PutOutboundRequestBatchCommand(request)), /id/, 'the SDK refuses to send a request without its id label');
    const res = await signedFetch(emu, { method: 'PUT', path: '/v2/campaigns//outbound-requests', body: JSON.stringify(request), service: 'connect-campaigns' });
    answer = { status: res.status, errorType: res.headers.get('x-amzn-errortype') ?? undefined };
  } else {
    answer = await campaignsAnswerOf(campaigns.send(new PutOutboundRequestBatchCommand(request)));
  }
  assert.equal(answer.status, 404, `${c.name}: expected 404, got ${show(answer)}`);
  assert.equal(answer.errorType, 'UnknownOperationException');
}

async function checkOutbound(emu: Emulator, campaigns: ConnectCampaignsV2Client, c: BoundaryCase): Promise<void> {
  if (c.inUri && (c.value === undefined || c.value === '')) return checkEmptyCampaignLabel(emu, campaigns, c);
  const answer = await campaignsAnswerOf(campaigns.send(new PutOutboundRequestBatchCommand(c.request as unknown as PutOutboundRequestBatchCommandInput)));
  if (c.expect.kind === 'accepted') {
    assert.equal(answer.status, 200, `${c.name}: expected 200, got ${show(answer)}`);
    return;
  }
  assert.equal(answer.errorType, 'ValidationException', `${c.name}: expected 400 ValidationException, got ${show(answer)}`);
  assert.equal(answer.status, 400);
  assert.ok(answer.message?.includes(c.expect.says), `${c.name}: expected the message to say «${c.expect.says.slice(0, 300)}», got ${show(answer)}`);
}

const outboundCases = boundaryCases(campaignsV2Model(), 'PutOutboundRequestBatch', outboundBase);

void describe(`emulator: every input constraint of the Outbound Campaigns v2 model (botocore ${BOTOCORE_VERSION}) on PutOutboundRequestBatch`, () => {
  const local = useEmulator();
  const campaigns = (): ConnectCampaignsV2Client => emulatorCampaignsClient(local.emu);

  void test('the base request, every member of telephony set, is accepted and dialled as it is', async () => {
    const out = await campaigns().send(new PutOutboundRequestBatchCommand(outboundBase));
    assert.deepEqual(out.failedRequests, [], 'the base request is one the campaign would dial');
  });

  void test('the walk reaches every constraint of PutOutboundRequestBatch', () => {
    const constraints = [...byConstraint(outboundCases).keys()];
    const optional = constraints.filter((k) => k.endsWith(': optional')).length;
    assert.equal(
      `${constraints.length - optional} model constraints and ${optional} optional members in ${outboundCases.length} requests`,
      '29 model constraints and 4 optional members in 48 requests',
    );
  });

  for (const [constraint, group] of byConstraint(outboundCases)) {
    const sides = group.map((c) => `${c.name.slice(c.field.length + 2)} ${c.expect.kind}`).join('; ');
    void test(`PutOutboundRequestBatch ${constraint}: ${sides}`, async () => {
      for (const c of group) {
        local.emu.reset();
        await checkOutbound(local.emu, campaigns(), c);
      }
    });
  }
});

/** GetContactAttributes' two members are URI labels: `/contact/attributes/{InstanceId}/{InitialContactId}`. */
const attributesBase: GetContactAttributesCommandInput = { InstanceId: 'instance-1', InitialContactId: '11111111-1111-4111-8111-111111111111' };
const attributesCases = boundaryCases(model, 'GetContactAttributes', attributesBase);

/**
 * A label inside its bounds passes validation: the answer is the contact's attributes, or
 * ResourceNotFoundException when the instance has no such contact (the walked ids name none).
 * An empty label leaves a path that is no operation (404 UnknownOperationException); an
 * absent one the SDK will not send, so it goes by hand.
 */
async function checkAttributes(emu: Emulator, connect: ConnectClient, c: BoundaryCase): Promise<void> {
  const request = c.request as unknown as GetContactAttributesCommandInput;
  if (c.value === undefined || c.value === '') {
    let answer: Answer;
    if (c.value === undefined) {
      await assert.rejects(connect.send(new GetContactAttributesCommand(request)), new RegExp(c.field), 'the SDK refuses to send a request without its label');
      const path = `/contact/attributes/${request.InstanceId ?? ''}/${request.InitialContactId ?? ''}`;
      const res = await signedFetch(emu, { method: 'GET', path, body: '' });
      answer = { status: res.status, errorType: res.headers.get('x-amzn-errortype') ?? undefined };
    } else {
      answer = await answerOf(connect.send(new GetContactAttributesCommand(request)));
    }
    assert.equal(answer.status, 404, `${c.name}: expected 404, got ${show(answer)}`);
    assert.equal(answer.errorType, 'UnknownOperationException');
    return;
  }
  const answer = await answerOf(connect.send(new GetContactAttributesCommand(request)));
  if (c.expect.kind === 'accepted') {
    assert.ok(answer.status === 200 || answer.errorType === 'ResourceNotFoundException', `${c.name}: expected it past validation, got ${show(answer)}`);
    return;
  }
  assert.equal(answer.errorType, 'InvalidRequestException', `${c.name}: expected 400 InvalidRequestException, got ${show(answer)}`);
  assert.equal(answer.status, 400);
  assert.ok(answer.message?.includes(c.expect.says), `${c.name}: expected the message to say «${c.expect.says.slice(0, 300)}», got ${show(answer)}`);
}

void describe(`emulator: every input constraint of the Connect model (botocore ${BOTOCORE_VERSION}) on GetContactAttributes`, () => {
  const local = useEmulator();

  void test("the base request for a contact the instance has answers the contact's attributes", async () => {
    const created = await local.connect.send(new BatchPutContactCommand(batchBase));
    const contactId = created.SuccessfulRequestList?.[0]?.ContactId ?? '';
    const answer = await local.connect.send(new GetContactAttributesCommand({ ...attributesBase, InitialContactId: contactId }));
    assert.deepEqual(answer.Attributes, { customerName: 'Ada' });
  });

  void test('the walk reaches every constraint of GetContactAttributes', () => {
    const constraints = [...byConstraint(attributesCases).keys()];
    const optional = constraints.filter((k) => k.endsWith(': optional')).length;
    assert.equal(
      `${constraints.length - optional} model constraints and ${optional} optional members in ${attributesCases.length} requests`,
      '6 model constraints and 0 optional members in 10 requests',
    );
  });

  for (const [constraint, group] of byConstraint(attributesCases)) {
    const sides = group.map((c) => `${c.name.slice(c.field.length + 2)} ${c.expect.kind}`).join('; ');
    void test(`GetContactAttributes ${constraint}: ${sides}`, async () => {
      for (const c of group) {
        local.emu.reset();
        await checkAttributes(local.emu, local.connect, c);
      }
    });
  }
});
