// What happened on a call, from contact events shaped as the Amazon Connect documentation
// shows them (the EventBridge envelope of "Sample contact event for when a voice call is
// disconnected") and from DescribeContact's answer; Connect's enums are open.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dispositionOf, factsFromDescribedContact, mergeFacts, parseContactEvent, type CallFacts } from '../src/domain/call-disposition';

/** The documented envelope, with the detail members this project reads. */
function event(detail: Record<string, unknown>): string {
  return JSON.stringify({
    version: '0',
    id: 'abcabcab-abca-abca-abca-abcabcabcabc',
    'detail-type': 'Amazon Connect Contact Event',
    source: 'aws.connect',
    account: '111122223333',
    time: '2021-08-04T17:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:connect:us-west-2:111122223333:instance/12345678-1234-1234-1234-123456789012/contact/11111111-1111-1111-1111-111111111111'],
    detail: {
      contactId: '11111111-1111-1111-1111-111111111111',
      initialContactId: '11111111-1111-1111-1111-111111111111',
      channel: 'VOICE',
      instanceArn: 'arn:aws:connect:us-west-2:111122223333:instance/12345678-1234-1234-1234-123456789012',
      initiationMethod: 'OUTBOUND',
      initiationTimestamp: '2021-08-04T17:17:53.000Z',
      ...detail,
    },
  });
}

function dispositionOfEvents(...bodies: string[]) {
  let facts: CallFacts = { connected: false, ended: false };
  for (const body of bodies) {
    const parsed = parseContactEvent(body);
    assert.equal(parsed.kind, 'event', JSON.stringify(parsed));
    if (parsed.kind === 'event') facts = mergeFacts(facts, parsed.event.facts);
  }
  return dispositionOf(facts);
}

const disconnected = (reason: string, amd?: string, connected = false) =>
  event({
    eventType: 'DISCONNECTED',
    disconnectTimestamp: '2021-08-04T17:18:37.000Z',
    disconnectReason: reason,
    ...(connected && { connectedToSystemTimestamp: '2021-08-04T17:17:55.000Z' }),
    ...(amd !== undefined && { answeringMachineDetectionStatus: amd }),
  });

describe('call dispositions from contact events', () => {
  test('each documented answering-machine status and disconnect reason maps to its disposition', () => {
    const cases: [string, string | undefined, boolean, string][] = [
      ['CUSTOMER_DISCONNECT', 'HUMAN_ANSWERED', true, 'REACHED'],
      ['CONTACT_FLOW_DISCONNECT', 'VOICEMAIL_BEEP', true, 'VOICEMAIL'],
      ['CONTACT_FLOW_DISCONNECT', 'VOICEMAIL_NO_BEEP', true, 'VOICEMAIL'],
      ['TELECOM_UNANSWERED', 'AMD_UNANSWERED', false, 'NO_ANSWER'],
      ['TELECOM_UNANSWERED', undefined, false, 'NO_ANSWER'],
      ['TELECOM_TIMEOUT', undefined, false, 'NO_ANSWER'],
      ['TELECOM_BUSY', 'SIT_TONE_BUSY', false, 'BUSY'],
      ['TELECOM_BUSY', undefined, false, 'BUSY'],
      ['TELECOM_NUMBER_INVALID', 'SIT_TONE_INVALID_NUMBER', false, 'INVALID_NUMBER'],
      ['EXPIRED', undefined, false, 'NOT_DIALLED'],
      ['OUTBOUND_ATTEMPT_FAILED', undefined, false, 'NOT_DIALLED'],
      ['OUTBOUND_DESTINATION_ENDPOINT_ERROR', undefined, false, 'NOT_DIALLED'],
      ['OUTBOUND_RESOURCE_ERROR', undefined, false, 'NOT_DIALLED'],
      ['CUSTOMER_DISCONNECT', undefined, true, 'REACHED'],
      ['CUSTOMER_DISCONNECT', 'AMD_NOT_APPLICABLE', true, 'REACHED'],
      ['TELECOM_PROBLEM', undefined, false, 'UNKNOWN'],
      ['CUSTOMER_DISCONNECT', 'FAX_MACHINE_DETECTED', true, 'UNKNOWN'],
      ['SOME_REASON_CONNECT_ADDS_NEXT_YEAR', 'A_NEW_STATUS', true, 'UNKNOWN'],
    ];
    for (const [reason, amd, connected, expected] of cases) {
      assert.equal(dispositionOfEvents(disconnected(reason, amd, connected)), expected, `${reason} / ${amd ?? '-'} / connected ${connected}`);
    }
  });

  test('a decisive answering-machine status decides before the call ends; INITIATED alone decides nothing', () => {
    assert.equal(dispositionOfEvents(event({ eventType: 'INITIATED' })), undefined);
    assert.equal(
      dispositionOfEvents(event({ eventType: 'CONNECTED_TO_SYSTEM', connectedToSystemTimestamp: '2021-08-04T17:17:55.000Z', answeringMachineDetectionStatus: 'VOICEMAIL_BEEP' })),
      'VOICEMAIL',
    );
    assert.equal(dispositionOfEvents(event({ eventType: 'CONNECTED_TO_SYSTEM', answeringMachineDetectionStatus: 'AMD_UNRESOLVED' })), undefined);
    assert.equal(dispositionOfEvents(event({ eventType: 'A_NEW_EVENT_TYPE' })), undefined);
  });

  test('duplicated and reordered events end in the same disposition', () => {
    const connected = event({ eventType: 'CONNECTED_TO_SYSTEM', connectedToSystemTimestamp: '2021-08-04T17:17:55.000Z', answeringMachineDetectionStatus: 'HUMAN_ANSWERED' });
    const ended = disconnected('CUSTOMER_DISCONNECT', undefined, true);
    const initiated = event({ eventType: 'INITIATED' });
    const orders = [
      [initiated, connected, ended],
      [ended, connected, initiated],
      [connected, ended, ended, initiated, connected],
    ];
    for (const order of orders) assert.equal(dispositionOfEvents(...order), 'REACHED');
  });

  test("PascalCase members (the data model table) are read as well as the samples' camelCase", () => {
    const body = JSON.stringify({
      source: 'aws.connect',
      'detail-type': 'Amazon Connect Contact Event',
      detail: { EventType: 'DISCONNECTED', ContactId: 'c-1', DisconnectReason: 'TELECOM_BUSY', AnsweringMachineDetectionStatus: 'SIT_TONE_BUSY' },
    });
    const parsed = parseContactEvent(body);
    assert.equal(parsed.kind === 'event' && parsed.event.contactId, 'c-1');
    assert.equal(dispositionOfEvents(body), 'BUSY');
  });

  test('anything that is not a contact event is named as such, never thrown', () => {
    for (const body of [
      'not json',
      '[]',
      '{}',
      JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }),
      JSON.stringify({ source: 'aws.connect', 'detail-type': 'Amazon Connect Contact Event', detail: { eventType: 'DISCONNECTED' } }),
    ]) {
      const parsed = parseContactEvent(body);
      assert.equal(parsed.kind, 'not-a-contact-event', body);
    }
    // A field of an unexpected type is ignored, not fatal.
    const odd = parseContactEvent(event({ eventType: 'DISCONNECTED', disconnectReason: 42, disconnectTimestamp: '2021-08-04T17:18:37.000Z' }));
    assert.equal(odd.kind === 'event' && dispositionOf(odd.event.facts), 'UNKNOWN');
  });

  test("DescribeContact's answer gives the same facts", () => {
    const facts = factsFromDescribedContact({
      ConnectedToSystemTimestamp: new Date(),
      DisconnectTimestamp: new Date(),
      DisconnectReason: 'CONTACT_FLOW_DISCONNECT',
      AnsweringMachineDetectionStatus: 'VOICEMAIL_NO_BEEP',
    });
    assert.equal(dispositionOf(facts), 'VOICEMAIL');
    assert.equal(dispositionOf(factsFromDescribedContact({})), undefined);
  });
  test("a campaign's contact names its campaign and instance: the consumer asks that instance for its attributes", () => {
    const parsed = parseContactEvent(disconnected('TELECOM_UNANSWERED').replace('"channel":"VOICE"', '"channel":"VOICE","campaign":{"campaignId":"6f7c5a5c-v2"}'));
    assert.equal(parsed.kind, 'event');
    if (parsed.kind !== 'event') return;
    assert.equal(parsed.event.campaignId, '6f7c5a5c-v2');
    assert.equal(parsed.event.instanceId, '12345678-1234-1234-1234-123456789012');
    const pascal = parseContactEvent(event({ EventType: 'DISCONNECTED', Campaign: { CampaignId: 'c-9' } }));
    assert.equal(pascal.kind === 'event' && pascal.event.campaignId, 'c-9');
    const inbound = parseContactEvent(disconnected('CUSTOMER_DISCONNECT'));
    assert.equal(inbound.kind === 'event' && inbound.event.campaignId, undefined, 'no campaign, no campaignId');
  });
});
