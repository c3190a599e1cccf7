// Both phone number ARN forms Connect hands out, through the real SDK client against the emulator.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchPutContactCommand, StartOutboundChatContactCommand } from '@aws-sdk/client-connect';
import { useEmulator } from './support/emulator';

const accountScoped = 'arn:aws:connect:us-east-1:123456789012:phone-number/11111111-2222-3333-4444-555555555555';
const instanceScoped = 'arn:aws:connect:us-east-1:123456789012:instance/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/phone-number/11111111-2222-3333-4444-555555555555';

void describe('emulator: phone number ARNs', () => {
  const local = useEmulator();

  void test('a CONNECT_PHONENUMBER_ARN SystemEndpoint may be account- or instance-scoped; anything else is INVALID_SYSTEM_ENDPOINT', async () => {
    const entry = (id: string, arn: string) => ({
      RequestIdentifier: id,
      CustomerEndpoint: { Type: 'TELEPHONE_NUMBER' as const, Address: '+14155550100' },
      SystemEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN' as const, Address: arn },
    });
    const out = await local.connect.send(
      new BatchPutContactCommand({
        InstanceId: 'instance-1',
        ClientToken: 'arns',
        ContactDataRequestList: [
          entry('account', accountScoped),
          entry('instance', instanceScoped),
          entry('queue-arn', 'arn:aws:connect:us-east-1:123456789012:instance/aaaa/queue/q-1'),
        ],
      }),
    );
    assert.deepEqual(
      out.SuccessfulRequestList?.map((s) => s.RequestIdentifier),
      ['account', 'instance'],
    );
    assert.deepEqual(
      out.FailedRequestList?.map((f) => [f.RequestIdentifier, f.FailureReasonCode]),
      [['queue-arn', 'INVALID_SYSTEM_ENDPOINT']],
    );
  });

  void test('StartOutboundChatContact takes an instance-scoped SourceEndpoint ARN', async () => {
    const out = await local.connect.send(
      new StartOutboundChatContactCommand({
        InstanceId: 'instance-1',
        ContactFlowId: 'flow-1',
        SourceEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN', Address: instanceScoped },
        DestinationEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550123' },
        SegmentAttributes: { 'connect:Subtype': { ValueString: 'connect:SMS' } },
      }),
    );
    assert.ok(out.ContactId, 'a chat ContactId');
  });
});
