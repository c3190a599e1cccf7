// Outbound Campaigns v2 on the emulator's port, through the real @aws-sdk/client-connectcampaignsv2:
// PutOutboundRequestBatch and GetCampaignState with their idempotency, campaign states and faults.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedException,
  ConflictException,
  ConnectCampaignsV2ServiceException,
  GetCampaignStateCommand,
  InternalServerException,
  InvalidCampaignStateException,
  PutOutboundRequestBatchCommand,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  type OutboundRequest,
} from '@aws-sdk/client-connectcampaignsv2';
import { TOKEN_TTL_MS, type CampaignState, type OutboundRequestFailureCode } from '../src/emulator';
import { emulatorCampaignsClient, useEmulator } from './support/emulator';
import { signedFetch } from './support/signed-fetch';

/** The model allows `:` and `/` in a v2 campaign id: the path label must carry them. */
const CAMPAIGN = 'arn:aws:connect-campaigns:us-east-1:123456789012:campaign/c-1';
const START = Date.parse('2026-11-23T12:00:00Z');

function request(token: string, phone = '+15555550123', overrides: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    clientToken: token,
    expirationTime: new Date(START + 30 * 24 * 60 * 60 * 1000),
    channelSubtypeParameters: { telephony: { destinationPhoneNumber: phone, attributes: { customerName: 'Ada' } } },
    ...overrides,
  };
}

const put = (id: string, outboundRequests: OutboundRequest[]): PutOutboundRequestBatchCommand => new PutOutboundRequestBatchCommand({ id, outboundRequests });

async function errorOf(call: Promise<unknown>): Promise<ConnectCampaignsV2ServiceException> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ConnectCampaignsV2ServiceException) return err;
    throw err;
  }
  assert.fail('the call succeeded; an error was expected');
}

void describe('emulator: Outbound Campaigns v2 PutOutboundRequestBatch', () => {
  const local = useEmulator({ deniedAccessKeyIds: ['denied-key'] }, START);
  beforeEach(() => {
    local.clock = START;
  });
  const campaigns = (): ReturnType<typeof emulatorCampaignsClient> => emulatorCampaignsClient(local.emu);

  void test('two requests become two dial requests, listed with their token and v2 campaign id and counted', async () => {
    const out = await campaigns().send(put(CAMPAIGN, [request('entry-1'), request('entry-2', '+15555550124')]));
    assert.deepEqual(out.failedRequests, [], `failed: ${JSON.stringify(out.failedRequests)}`);
    assert.deepEqual(
      out.successfulRequests?.map((r) => r.clientToken),
      ['entry-1', 'entry-2'],
    );
    const dials = local.emu.contacts({ channel: 'OUTBOUND_REQUEST' });
    assert.deepEqual(
      dials.map((d) => [d.contactId, d.clientToken, d.campaignId, d.customerAddress, d.attributes?.customerName]),
      out.successfulRequests?.map((r, i) => [r.id, r.clientToken, CAMPAIGN, i === 0 ? '+15555550123' : '+15555550124', 'Ada']),
    );
    assert.equal(local.emu.contacts({ channel: 'VOICE' }).length, 0, 'a dial request is not a voice contact');
    const stats = local.emu.stats();
    assert.equal(stats.dialRequests, 2);
    assert.equal(stats.calls.PutOutboundRequestBatch, 1);
    const res = await fetch(`${local.emu.url}/_emulator/contacts?channel=OUTBOUND_REQUEST`);
    assert.deepEqual(
      ((await res.json()) as { clientToken: string }[]).map((c) => c.clientToken),
      ['entry-1', 'entry-2'],
    );
  });

  void test('a repeated clientToken with the same request answers the original id and dials nothing new', async () => {
    const first = await campaigns().send(put(CAMPAIGN, [request('entry-1')]));
    local.clock += TOKEN_TTL_MS - 1000;
    const again = await campaigns().send(put(CAMPAIGN, [request('entry-1'), request('entry-2')]));
    assert.equal(again.successfulRequests?.[0]?.id, first.successfulRequests?.[0]?.id);
    assert.notEqual(again.successfulRequests?.[1]?.id, first.successfulRequests?.[0]?.id);
    assert.equal(local.emu.contacts({ channel: 'OUTBOUND_REQUEST' }).length, 2, 'entry-1 dialled once, entry-2 once');
    const stats = local.emu.stats();
    assert.equal(stats.idempotentReplays, 1);
    assert.equal(stats.dialRequests, 2);
  });

  void test('a retry that recomputed its expirationTime is a replay of the same request, not a conflict', async () => {
    const first = await campaigns().send(put(CAMPAIGN, [request('entry-1', '+15555550123', { expirationTime: new Date(START + 3600_000) })]));
    local.clock += 60_000;
    const retry = await campaigns().send(put(CAMPAIGN, [request('entry-1', '+15555550123', { expirationTime: new Date(START + 60_000 + 3600_000) })]));
    assert.equal(retry.successfulRequests?.[0]?.id, first.successfulRequests?.[0]?.id);
    assert.equal(local.emu.stats().dialRequests, 1);
  });

  void test('a clientToken is kept 7 days: after that the same request is a new dial request', async () => {
    const first = await campaigns().send(put(CAMPAIGN, [request('entry-1', '+15555550123', { expirationTime: new Date(START + 8 * 24 * 3600 * 1000) })]));
    local.clock += TOKEN_TTL_MS;
    const later = await campaigns().send(put(CAMPAIGN, [request('entry-1', '+15555550123', { expirationTime: new Date(START + 8 * 24 * 3600 * 1000) })]));
    assert.notEqual(later.successfulRequests?.[0]?.id, first.successfulRequests?.[0]?.id);
    assert.equal(local.emu.stats().dialRequests, 2);
  });

  void test('a clientToken reused with another request is 409 ConflictException, and nothing of the call is dialled', async () => {
    await campaigns().send(put(CAMPAIGN, [request('entry-1')]));
    const err = await errorOf(campaigns().send(put(CAMPAIGN, [request('entry-2'), request('entry-1', '+15555550199')])));
    assert.ok(err instanceof ConflictException, `${err.name}: ${err.message}`);
    assert.equal(err.$metadata.httpStatusCode, 409);
    assert.match(err.message, /entry-1/);
    assert.equal(local.emu.contacts({ channel: 'OUTBOUND_REQUEST' }).length, 1);
  });

  void test('the same clientToken for another campaign is a conflict too', async () => {
    await campaigns().send(put(CAMPAIGN, [request('entry-1')]));
    const err = await errorOf(campaigns().send(put('other-campaign', [request('entry-1')])));
    assert.ok(err instanceof ConflictException, `${err.name}: ${err.message}`);
  });

  const codes: OutboundRequestFailureCode[] = ['InvalidInput', 'RequestThrottled', 'UnknownError', 'BufferLimitExceeded'];
  for (const failureCode of codes) {
    void test(`a scheduled ${failureCode} fails that request only, and a retry with its token can succeed`, async () => {
      local.emu.setFaults({ schedule: [{ clientToken: 'entry-2', failureCode }] });
      const out = await campaigns().send(put(CAMPAIGN, [request('entry-1'), request('entry-2')]));
      assert.deepEqual(out.failedRequests, [{ clientToken: 'entry-2', failureCode }]);
      assert.deepEqual(
        out.successfulRequests?.map((r) => r.clientToken),
        ['entry-1'],
      );
      const retry = await campaigns().send(put(CAMPAIGN, [request('entry-2')]));
      assert.deepEqual(retry.failedRequests, [], 'a failed request is not kept for its token');
      const stats = local.emu.stats();
      assert.equal(stats.byFailureCode[failureCode], 1, JSON.stringify(stats.byFailureCode));
      assert.equal(stats.faultsInjected, 1);
    });
  }

  for (const [rate, failureCode] of [
    ['entryThrottleRate', 'RequestThrottled'],
    ['entryInternalErrorRate', 'UnknownError'],
    ['requestBufferLimitRate', 'BufferLimitExceeded'],
  ] as const) {
    void test(`${rate} 1 answers every request ${failureCode}`, async () => {
      local.emu.setFaults({ [rate]: 1 });
      const out = await campaigns().send(put(CAMPAIGN, [request('entry-1'), request('entry-2')]));
      assert.deepEqual(
        out.failedRequests?.map((r) => r.failureCode),
        [failureCode, failureCode],
      );
      assert.equal(local.emu.contacts({ channel: 'OUTBOUND_REQUEST' }).length, 0);
    });
  }

  void test('what the model allows but cannot be dialled is InvalidInput: not E.164, expired, not telephony, a token twice', async () => {
    const out = await campaigns().send(
      put(CAMPAIGN, [
        request('not-e164', '555-0123'),
        request('expired', '+15555550123', { expirationTime: new Date(START - 1) }),
        request('sms', '+15555550123', { channelSubtypeParameters: { sms: { destinationPhoneNumber: '+15555550123', templateParameters: { a: 'b' } } } }),
        request('twice'),
        request('twice'),
      ]),
    );
    assert.deepEqual(
      out.failedRequests?.map((r) => `${r.clientToken} ${r.failureCode}`),
      ['not-e164 InvalidInput', 'expired InvalidInput', 'sms InvalidInput', 'twice InvalidInput'],
    );
    assert.deepEqual(
      out.successfulRequests?.map((r) => r.clientToken),
      ['twice'],
    );
  });

  for (const state of ['Initialized', 'Paused', 'Stopped', 'Failed', 'Completed'] satisfies CampaignState[]) {
    void test(`a campaign ${state} refuses outbound requests: 409 InvalidCampaignStateException with state ${state}`, async () => {
      local.emu.configure({ campaignStates: { [CAMPAIGN]: state } });
      const err = await errorOf(campaigns().send(put(CAMPAIGN, [request('entry-1')])));
      assert.ok(err instanceof InvalidCampaignStateException, `${err.name}: ${err.message}`);
      assert.equal(err.$metadata.httpStatusCode, 409);
      assert.equal(err.state, state);
      assert.equal(local.emu.contacts().length, 0);
      const read = await campaigns().send(new GetCampaignStateCommand({ id: CAMPAIGN }));
      assert.equal(read.state, state);
    });
  }

  void test('every campaign id exists and is Running unless configured otherwise', async () => {
    const read = await campaigns().send(new GetCampaignStateCommand({ id: 'any-campaign' }));
    assert.equal(read.state, 'Running');
  });

  void test('a missing campaign is 404 ResourceNotFoundException on both operations', async () => {
    local.emu.configure({ missingCampaignIds: [CAMPAIGN] });
    const onPut = await errorOf(campaigns().send(put(CAMPAIGN, [request('entry-1')])));
    assert.ok(onPut instanceof ResourceNotFoundException, `${onPut.name}: ${onPut.message}`);
    assert.equal(onPut.$metadata.httpStatusCode, 404);
    const onState = await errorOf(campaigns().send(new GetCampaignStateCommand({ id: CAMPAIGN })));
    assert.ok(onState instanceof ResourceNotFoundException, `${onState.name}: ${onState.message}`);
    assert.match(onState.message, /not found/, 'the message is read from the lowercase `message` member');
    local.emu.configure({ missingCampaignIds: [] });
  });

  void test('the admin API sets a campaign state and missing ids as configure() does', async () => {
    const res = await fetch(`${local.emu.url}/_emulator/config`, { method: 'POST', body: JSON.stringify({ campaignStates: { [CAMPAIGN]: 'Paused' } }) });
    assert.equal(res.status, 200);
    assert.equal((await campaigns().send(new GetCampaignStateCommand({ id: CAMPAIGN }))).state, 'Paused');
    const bad = await fetch(`${local.emu.url}/_emulator/config`, { method: 'POST', body: JSON.stringify({ campaignStates: { [CAMPAIGN]: 'Sleeping' } }) });
    assert.equal(bad.status, 400);
    local.emu.configure({ campaignStates: {} });
  });

  void test('a denied access key is 403 AccessDeniedException naming connect-campaigns:PutOutboundRequestBatch', async () => {
    const denied = emulatorCampaignsClient(local.emu, { accessKeyId: 'denied-key' });
    const err = await errorOf(denied.send(put(CAMPAIGN, [request('entry-1')])));
    assert.ok(err instanceof AccessDeniedException, `${err.name}: ${err.message}`);
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.match(err.message, /connect-campaigns:PutOutboundRequestBatch/);
  });

  void test('over the configured rate is 429 ThrottlingException after the burst', async () => {
    local.emu.configure({ rate: { outboundRequests: { perSecond: 0.001, burst: 2 } } });
    try {
      await campaigns().send(put(CAMPAIGN, [request('entry-1')]));
      await campaigns().send(put(CAMPAIGN, [request('entry-2')]));
      const err = await errorOf(campaigns().send(put(CAMPAIGN, [request('entry-3')])));
      assert.ok(err instanceof ThrottlingException, `${err.name}: ${err.message}`);
      assert.equal(err.$metadata.httpStatusCode, 429);
      assert.equal(local.emu.stats().throttled, 1);
    } finally {
      local.emu.configure({ rate: undefined });
    }
  });

  void test('a whole-call fault is 500 InternalServerException, scheduled or by rate', async () => {
    local.emu.setFaults({ schedule: [{ operation: 'PutOutboundRequestBatch', error: 'InternalServerException' }] });
    const scheduled = await errorOf(campaigns().send(put(CAMPAIGN, [request('entry-1')])));
    assert.ok(scheduled instanceof InternalServerException, `${scheduled.name}: ${scheduled.message}`);
    assert.equal(scheduled.$metadata.httpStatusCode, 500);
    local.emu.setFaults({ callInternalErrorRate: 1 });
    const byRate = await errorOf(campaigns().send(put(CAMPAIGN, [request('entry-1')])));
    assert.ok(byRate instanceof InternalServerException, `${byRate.name}: ${byRate.message}`);
    assert.equal(local.emu.contacts().length, 0);
  });

  void test('a model violation is 400 ValidationException naming the field', async () => {
    const err = await errorOf(campaigns().send(put(CAMPAIGN, [request('bad token!')])));
    assert.ok(err instanceof ValidationException, `${err.name}: ${err.message}`);
    assert.match(err.message, /Value at 'outboundRequests\.1\.member\.clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  });

  void test('requests signed for service connect are refused on v2 paths, and v2 signatures on Connect paths', async () => {
    const body = JSON.stringify({ outboundRequests: [{ clientToken: 'entry-1' }] });
    const res = await signedFetch(local.emu, { method: 'PUT', path: '/v2/campaigns/campaign-1/outbound-requests', body });
    assert.equal(res.status, 403, 'signed for connect, sent to a connect-campaigns path');
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    assert.match(((await res.json()) as { message: string }).message, /connect-campaigns/);
    assert.equal(local.emu.stats().calls.PutOutboundRequestBatch, 0);
  });
});
