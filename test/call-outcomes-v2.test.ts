// Call outcomes for a campaign through Outbound Campaigns v2, end to end: the real worker, the
// real Temporal server and the real AWS SDK against the emulator. A v2 call's events name a
// contact the campaign never saw (it holds dial request ids): the worker reads the contact's
// ConnectDialerRequest attribute with GetContactAttributes, links the contact to its send, and
// the entries end in their scripted dispositions, a NO_ANSWER redialled as the rule says, and an
// SMS after a voicemail names the call (not the dial request) as its RelatedContactId.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetContactAttributesCommand } from '@aws-sdk/client-connect';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { entry, startStack, uniqueCampaignId, type Stack } from './support/stack';

/** entry(i)'s number (test/support/stack.ts). */
const numberOf = (i: number): string => `+1415555${String(i).padStart(4, '0')}`;

let stack: Stack;

before(async () => {
  // One instance, as in AWS: the v2 campaign dials through the instance its SMS go through.
  stack = await startStack({ contactEvents: true, emulator: { instanceIds: ['instance-1'], calls: { ringMs: 200, duplicateRate: 0.6, reorder: true, seed: 29 } } });
});
after(async () => {
  await stack?.stop();
});

function v2Spec(campaignId: string, indices: number[], callOutcomes: CampaignSpecInput['callOutcomes'], extra: Partial<CampaignSpecInput> = {}): CampaignSpecInput {
  return {
    ...extra,
    campaignId,
    instanceId: 'instance-1',
    defaults: { Attributes: { source: 'test' } },
    submission: { api: 'outbound-campaigns-v2', campaignId: 'v2-outcomes', stateRecheckSeconds: 1 },
    callOutcomes,
    dialList: { kind: 'inline', entries: indices.map((i) => entry(i)) },
  };
}

/** The campaign's dial requests to `number`, in the order they were made. */
function dialRequests(workflowId: string, number: string) {
  return stack.emulator.contacts({ channel: 'OUTBOUND_REQUEST' }).filter((c) => c.customerAddress === number && c.clientToken?.startsWith(`${workflowId}.e`) === true);
}

describe('call outcomes through Outbound Campaigns v2', () => {
  test('each v2 call ends in its scripted disposition, not UNKNOWN; a NO_ANSWER is redialled per the rule; a call with no final event is described', async () => {
    stack.emulator.configure({
      calls: {
        ringMs: 200,
        duplicateRate: 0.6,
        reorder: true,
        seed: 29,
        byNumber: {
          [numberOf(61)]: 'HUMAN_ANSWERED',
          [numberOf(62)]: 'VOICEMAIL',
          [numberOf(63)]: 'NO_ANSWER',
          [numberOf(64)]: ['NO_ANSWER', 'HUMAN_ANSWERED'],
          [numberOf(65)]: 'BUSY',
          [numberOf(66)]: 'INVALID_NUMBER',
        },
        // c-66's call publishes INITIATED only: it is linked from that event, its end is known to DescribeContact alone.
        silentNumbers: [numberOf(66)],
      },
    });
    const before = stack.emulator.stats().calls;
    const campaignId = uniqueCampaignId('v2-outcomes');
    const started = await stack.campaigns.start(
      v2Spec(campaignId, [61, 62, 63, 64, 65, 66], { redial: [{ dispositions: ['NO_ANSWER'], afterSeconds: 1, maxAttempts: 2 }], settleWithinSeconds: 60 }),
    );
    const result = await stack.campaigns.result(started.campaignId);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
    assert.deepEqual(result.outcomes, { CREATED: 6, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 }, JSON.stringify(result.outcomes));
    assert.deepEqual(result.dispositions, { REACHED: 2, VOICEMAIL: 1, NO_ANSWER: 1, BUSY: 1, INVALID_NUMBER: 1, NOT_DIALLED: 0, UNKNOWN: 0 }, JSON.stringify(result.dispositions));
    assert.equal(result.redials, 2, 'c-63 and c-64 redialled once each (maxAttempts 2)');

    const calls = Object.fromEntries([61, 62, 63, 64, 65, 66].map((i) => [i, dialRequests(started.workflowId, numberOf(i))]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(calls).map(([i, c]) => [i, c.length])),
      { 61: 1, 62: 1, 63: 2, 64: 2, 65: 1, 66: 1 },
      'dial requests per entry: the NO_ANSWERs twice, the rest once',
    );
    for (const i of [63, 64]) {
      const tokens = (calls[i] ?? []).map((c) => c.clientToken);
      assert.equal(new Set(tokens).size, 2, `the redial of c-${i} is a new send with a new request token: ${tokens.join(' ')}`);
    }
    const after = stack.emulator.stats().calls;
    assert.ok(after.GetContactAttributes - before.GetContactAttributes >= 8, `every one of the 8 contacts looked up: ${after.GetContactAttributes - before.GetContactAttributes}`);
    assert.ok(after.DescribeContact - before.DescribeContact >= 1, 'the silent call was described once it was linked to its send');

    const records = [];
    for await (const r of stack.campaigns.report(campaignId)) records.push(r);
    assert.deepEqual(
      records.map((r) => [r.requestIdentifier, r.outcome, r.disposition, r.attempts]),
      [
        ['c-61', 'CREATED', 'REACHED', 1],
        ['c-62', 'CREATED', 'VOICEMAIL', 1],
        ['c-63', 'CREATED', 'NO_ANSWER', 2],
        ['c-64', 'CREATED', 'REACHED', 2],
        ['c-65', 'CREATED', 'BUSY', 1],
        ['c-66', 'CREATED', 'INVALID_NUMBER', 1],
      ],
    );
  });
  test("an SMS after a v2 call's voicemail goes once, and its RelatedContactId is the call Connect placed, not the dial request", async () => {
    stack.emulator.configure({ calls: { ringMs: 200, duplicateRate: 0.6, reorder: true, seed: 29, byNumber: { [numberOf(71)]: 'VOICEMAIL', [numberOf(72)]: 'HUMAN_ANSWERED' } } });
    const campaignId = uniqueCampaignId('v2-sms');
    const started = await stack.campaigns.start(
      v2Spec(
        campaignId,
        [71, 72],
        { redial: [], smsOn: ['VOICEMAIL'], settleWithinSeconds: 60 },
        { chat: { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', initialMessage: 'We tried to call you' } },
      ),
    );
    const result = await stack.campaigns.result(started.campaignId);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
    assert.deepEqual([result.outcomes.DEFLECTED, result.outcomes.CREATED], [1, 1], JSON.stringify(result.outcomes));
    const sms = stack.emulator.contacts({ channel: 'CHAT' }).filter((c) => c.clientToken?.startsWith(`${started.workflowId}/`) === true);
    assert.deepEqual(
      sms.map((c) => c.customerAddress),
      [numberOf(71)],
      'one SMS, to the voicemail',
    );
    const [request] = dialRequests(started.workflowId, numberOf(71));
    const related = sms[0]?.relatedContactId ?? '';
    assert.notEqual(related, request?.contactId, 'not the dial request id');
    const attributes = await stack.connect.send(new GetContactAttributesCommand({ InstanceId: 'instance-1', InitialContactId: related }));
    assert.equal(attributes.Attributes?.ConnectDialerRequest, request?.clientToken, 'the related contact is the call placed for c-71');
  });
});
