import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { campaignSpecSchema, type CampaignSpecInput } from '../src/domain/campaign';
import { dialListInvalidReason, parseDialListInvalidReason } from '../src/domain/failure-types';
import { checkEntry, checkPhoneNumber } from '../src/domain/entry-validation';

const fileList = { kind: 'file', path: 'x.csv' } as const;

function issues(input: CampaignSpecInput): [string, string][] {
  const r = campaignSpecSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
}

describe('phone numbers', () => {
  test('a well-formed E.164 number of a possible length is accepted though the numbering plan does not know it, as Connect would', () => {
    // +1 999: NANP has no area code 999, yet the number is E.164 with a length +1 numbers have.
    assert.deepEqual(checkPhoneNumber('+19995550100', 'possible'), { e164: '+19995550100' });
    assert.deepEqual(checkPhoneNumber('+1 (999) 555-0100', 'possible'), { e164: '+19995550100' }, 'normalised as before');
    const r = checkEntry({ CustomerEndpoint: { Address: '+19995550100' } }, { QueueId: 'q' });
    assert.ok(r.ok, JSON.stringify(r));
  });

  test('what is not E.164, or of no possible length for its country, is refused with the rule it breaks', () => {
    const cases: [string, RegExp][] = [
      ['4155550100', /^"4155550100" is not a valid E\.164 phone number \(expected \+ country code and number/],
      ['+1 800 FLOWERS', /is not a valid E\.164 phone number/],
      ['+0123456', /does not start with a country calling code/],
      ['+999 555 0100', /does not start with a country calling code/],
      ['+1415555010', /^"\+1415555010" is too short for a number with country calling code \+1$/],
      ['+141555501000', /^"\+141555501000" is too long for a number with country calling code \+1$/],
      ['+4420718387', /^"\+4420718387" has a length no number has for a number with country calling code \+44$/],
    ];
    for (const [address, reason] of cases) {
      const r = checkPhoneNumber(address, 'possible');
      assert.ok('problem' in r, `${address} should be refused, got ${JSON.stringify(r)}`);
      assert.match(r.problem, reason);
    }
  });

  test('the "valid" check also wants the numbering plan, and its refusal says that is the rule that failed', () => {
    assert.deepEqual(checkPhoneNumber('+14155550100', 'valid'), { e164: '+14155550100' });
    const r = checkPhoneNumber('+19995550100', 'valid');
    assert.ok('problem' in r);
    assert.match(r.problem, /has a possible length for country calling code \+1 but is not in its numbering plan .*phone check "valid"/);
    const entry = checkEntry({ CustomerEndpoint: { Address: '+19995550100' } }, { QueueId: 'q' }, { phone: 'valid' });
    assert.deepEqual(entry.ok ? undefined : [entry.rejection.code, entry.rejection.field], ['INVALID_CUSTOMER_ENDPOINT', 'CustomerEndpoint.Address']);
  });
});

describe('campaign spec: input checks', () => {
  test('validation.phone is "possible" unless set; "valid" is the other choice', () => {
    assert.deepEqual(campaignSpecSchema.parse({ campaignId: 'c', instanceId: 'i', dialList: fileList }).validation, { phone: 'possible' });
    assert.equal(campaignSpecSchema.parse({ campaignId: 'c', instanceId: 'i', validation: { phone: 'valid' }, dialList: fileList }).validation.phone, 'valid');
    assert.deepEqual(
      issues({ campaignId: 'c', instanceId: 'i', validation: { phone: 'strict' as 'valid' }, dialList: fileList }).map(([f]) => f),
      ['validation.phone'],
    );
  });

  test('pacing: 6 s scheduled ahead unless set; batchesInFlight given alone keeps exactly those; parsing the result again changes nothing', () => {
    const pacingOf = (pacing?: CampaignSpecInput['pacing']) => campaignSpecSchema.parse({ campaignId: 'c', instanceId: 'i', dialList: fileList, ...(pacing && { pacing }) }).pacing;
    const cases: [CampaignSpecInput['pacing'] | undefined, number, number][] = [
      [undefined, 4, 6],
      [{ batchSize: 10 }, 4, 6],
      [{ batchesInFlight: 2 }, 2, 0],
      [{ batchesInFlight: 2, scheduleAheadSeconds: 3 }, 2, 3],
      [{ scheduleAheadSeconds: 0 }, 4, 0],
    ];
    for (const [given, inFlight, ahead] of cases) {
      const pacing = pacingOf(given);
      assert.deepEqual([pacing.batchesInFlight, pacing.scheduleAheadSeconds], [inFlight, ahead], JSON.stringify(given));
      assert.deepEqual(pacingOf(pacing), pacing, `parsed again: ${JSON.stringify(pacing)}`);
    }
    assert.deepEqual(
      issues({ campaignId: 'c', instanceId: 'i', pacing: { scheduleAheadSeconds: 61 }, dialList: fileList }).map(([f]) => f),
      ['pacing.scheduleAheadSeconds'],
    );
  });

  test('a file list may say its encoding: utf8 or latin1', () => {
    assert.equal(campaignSpecSchema.parse({ campaignId: 'c', instanceId: 'i', dialList: { ...fileList, encoding: 'latin1' } }).dialList.kind, 'file');
    assert.deepEqual(
      issues({ campaignId: 'c', instanceId: 'i', dialList: { ...fileList, encoding: 'utf16' as 'utf8' } }).map(([f]) => f),
      ['dialList.encoding'],
    );
  });

  test('chat source numbers may be account- or instance-scoped phone number ARNs', () => {
    const chat = (sourcePhoneNumberArn: string) => issues({ campaignId: 'c', instanceId: 'i', chat: { sourcePhoneNumberArn, contactFlowId: 'f' }, dialList: fileList });
    assert.deepEqual(chat('arn:aws:connect:us-east-1:123456789012:phone-number/abc'), []);
    assert.deepEqual(chat('arn:aws:connect:eu-west-2:123456789012:instance/11111111-2222-3333-4444-555555555555/phone-number/abc'), []);
    for (const bad of ['arn:aws:connect:us-east-1:123456789012:instance/abc', 'arn:aws:connect:us-east-1:123456789012:phone-number/', 'phone-number/abc']) {
      assert.match(chat(bad)[0]?.[1] ?? '', /instance\/<instance-id>\/phone-number\/<id>/, bad);
    }
  });

  test('an inline list none of whose entries could be sent (no QueueId or SystemEndpoint anywhere) is refused at start', () => {
    const entries = [{ CustomerEndpoint: { Address: '+14155550100' } }, { CustomerEndpoint: { Address: '+14155550101' } }];
    assert.deepEqual(issues({ campaignId: 'c', instanceId: 'i', dialList: { kind: 'inline', entries } }), [
      [
        'defaults.QueueId',
        'neither QueueId nor SystemEndpoint is set, as a campaign default or on any entry of the dial list: every entry would be REJECTED (Connect needs one of them per contact)',
      ],
    ]);
    // One entry that carries its own is enough: the others are REJECTED one by one, as ever.
    assert.deepEqual(issues({ campaignId: 'c', instanceId: 'i', dialList: { kind: 'inline', entries: [...entries, { QueueId: 'q' }] } }), []);
    assert.deepEqual(
      issues({ campaignId: 'c', instanceId: 'i', dialList: { kind: 'inline', entries: [{ SystemEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550199' } }] } }),
      [],
    );
    assert.deepEqual(issues({ campaignId: 'c', instanceId: 'i', defaults: { QueueId: 'q' }, dialList: { kind: 'inline', entries } }), []);
    // A file's entries are the worker's to read.
    assert.deepEqual(issues({ campaignId: 'c', instanceId: 'i', dialList: fileList }), []);
  });

  test("a dial-list failure's reason carries its field, for callers to report as field: reason", () => {
    const reason = dialListInvalidReason('columns.phoneNumber', 'dial list /x.csv has no phone number column');
    assert.equal(reason, 'dial list columns.phoneNumber: dial list /x.csv has no phone number column');
    assert.deepEqual(parseDialListInvalidReason(reason), { field: 'columns.phoneNumber', message: 'dial list /x.csv has no phone number column' });
    assert.equal(parseDialListInvalidReason('Amazon Connect refused the call: AccessDeniedException'), undefined);
  });
});

describe('callOutcomes', () => {
  const base = { campaignId: 'c', instanceId: 'i', defaults: { QueueId: 'q' }, dialList: fileList } as const;
  const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'f' };
  // The issue's shape, as JSON would give it.
  const shape = JSON.parse(
    '{"redial": [{"dispositions": ["NO_ANSWER","BUSY"], "afterSeconds": 1800, "maxAttempts": 3}], "smsOn": ["VOICEMAIL"], "settleWithinSeconds": 3600}',
  ) as CampaignSpecInput['callOutcomes'];

  test("the issue's shape is accepted with chat settings", () => {
    assert.deepEqual(issues({ ...base, chat, callOutcomes: shape }), []);
  });

  test('smsOn without chat settings, and REACHED among the dispositions to redial, are refused with the field and the reason', () => {
    assert.deepEqual(issues({ ...base, callOutcomes: shape }), [
      [
        'callOutcomes.smsOn',
        "an SMS after a call goes out through the campaign's chat settings (StartOutboundChatContact): add `chat` (source phone number ARN and contact flow), or leave smsOn empty",
      ],
    ]);
    assert.deepEqual(issues({ ...base, callOutcomes: { redial: [{ dispositions: ['REACHED', 'NO_ANSWER'], afterSeconds: 60, maxAttempts: 2 }] } }), [
      ['callOutcomes.redial.0.dispositions', 'REACHED is never redialled: a person answered'],
    ]);
  });
});
