// The emulator's knobs, driven through the real @aws-sdk/client-connect: fault rates with a
// seed, scripted faults, rate limits, the chat concurrency limit, latency, and the SDK's retry.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchPutContactCommand, ConnectClient, StartOutboundChatContactCommand, type ContactDataRequest } from '@aws-sdk/client-connect';
import { emulatorClient, useEmulator } from './support/emulator';

function entries(prefix: string, n = 25): ContactDataRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    RequestIdentifier: `${prefix}-${i}`,
    QueueId: 'queue-1',
    CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1555555${String(i).padStart(4, '0')}` },
  }));
}

function batch(token: string, list: ContactDataRequest[] = entries(token)): BatchPutContactCommand {
  return new BatchPutContactCommand({ InstanceId: 'instance-1', ClientToken: token, ContactDataRequestList: list });
}

function chat(token?: string, minutes?: number): StartOutboundChatContactCommand {
  return new StartOutboundChatContactCommand({
    InstanceId: 'instance-1',
    ContactFlowId: 'flow-1',
    ClientToken: token,
    ChatDurationInMinutes: minutes,
    SourceEndpoint: { Type: 'CONNECT_PHONENUMBER_ARN', Address: 'arn:aws:connect:us-east-1:123456789012:phone-number/abc' },
    DestinationEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+15555550123' },
    SegmentAttributes: { 'connect:Subtype': { ValueString: 'connect:SMS' } },
  });
}

/** The name and status of the error a call fails with, or 'ok'. */
async function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'ok',
    (e: unknown) => {
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      return `${err.name} ${err.$metadata?.httpStatusCode ?? '?'}`;
    },
  );
}

async function codesByEntry(connect: ConnectClient, tokens: string[]): Promise<Map<string, string>> {
  const codes = new Map<string, string>();
  for (const token of tokens) {
    const out = await connect.send(batch(token));
    for (const s of out.SuccessfulRequestList ?? []) codes.set(s.RequestIdentifier ?? '', 'OK');
    for (const f of out.FailedRequestList ?? []) codes.set(f.RequestIdentifier ?? '', f.FailureReasonCode ?? '');
  }
  return codes;
}

void describe('emulator: injected faults', () => {
  const local = useEmulator({}, Date.UTC(2030, 0, 1));

  void test('entry fault rates are roughly honoured, and repeat exactly for the same seed', async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `rates-${i}`);
    local.emu.setFaults({ entryThrottleRate: 0.2, entryInternalErrorRate: 0.1, seed: 7 });
    const first = await codesByEntry(local.connect, tokens);
    const count = (code: string): number => [...first.values()].filter((c) => c === code).length;
    assert.equal(first.size, 1000);
    assert.ok(Math.abs(count('REQUEST_THROTTLED') - 200) < 50, `throttled ${count('REQUEST_THROTTLED')}`);
    assert.ok(Math.abs(count('INTERNAL_ERROR') - 100) < 40, `internal ${count('INTERNAL_ERROR')}`);
    const stats = local.emu.stats();
    assert.equal(stats.created, count('OK'));
    assert.equal(stats.faultsInjected, count('REQUEST_THROTTLED') + count('INTERNAL_ERROR'));
    assert.equal(stats.byFailureCode.REQUEST_THROTTLED, count('REQUEST_THROTTLED'));

    local.emu.reset();
    local.emu.setFaults({ entryThrottleRate: 0.2, entryInternalErrorRate: 0.1, seed: 7 });
    assert.deepEqual(await codesByEntry(local.connect, tokens), first);
    local.emu.reset();
    local.emu.setFaults({ entryThrottleRate: 0.2, entryInternalErrorRate: 0.1, seed: 8 });
    assert.notDeepEqual(await codesByEntry(local.connect, tokens), first);
  });

  void test('the whole-call error rate is roughly honoured and answered 500 InternalServiceException', async () => {
    local.emu.setFaults({ callInternalErrorRate: 0.5, seed: 3 });
    const results: string[] = [];
    for (let i = 0; i < 80; i++) results.push(await outcome(local.connect.send(batch(`call-${i}`, entries(`call-${i}`, 1)))));
    const failures = results.filter((r) => r !== 'ok');
    assert.ok(Math.abs(failures.length - 40) < 16, `failed ${failures.length} of 80`);
    assert.deepEqual(new Set(failures), new Set(['InternalServiceException 500']));
    assert.equal(local.emu.contacts().length, 80 - failures.length);
    assert.equal(local.emu.stats().byStatus['500'], failures.length);
    assert.equal(local.emu.stats().rejected, 0);
  });

  void test('a scripted call fault answers exactly that call', async () => {
    local.emu.setFaults({
      schedule: [
        { operation: 'BatchPutContact', call: 3, error: 'InternalServiceException' },
        { operation: 'BatchPutContact', call: 5, error: 'LimitExceededException', message: 'scripted' },
        { operation: 'StartOutboundChatContact', call: 2, times: 2, error: 'AccessDeniedException' },
      ],
    });
    const batches: string[] = [];
    for (let i = 1; i <= 6; i++) batches.push(await outcome(local.connect.send(batch(`s-${i}`, entries(`s-${i}`, 1)))));
    assert.deepEqual(batches, ['ok', 'ok', 'InternalServiceException 500', 'ok', 'LimitExceededException 429', 'ok']);
    const chats: string[] = [];
    for (let i = 1; i <= 4; i++) chats.push(await outcome(local.connect.send(chat())));
    assert.deepEqual(chats, ['ok', 'AccessDeniedException 403', 'AccessDeniedException 403', 'ok']);
    assert.equal(local.emu.stats().faultsInjected, 4);
  });

  void test('a scripted entry fault hits the next entries with that RequestIdentifier, any code', async () => {
    local.emu.setFaults({
      schedule: [
        { requestIdentifier: 'r-1', failureReasonCode: 'REQUEST_THROTTLED', times: 2 },
        { requestIdentifier: 'r-2', failureReasonCode: 'BRAND_NEW_CODE', message: 'something new' },
      ],
    });
    const list = entries('r', 3);
    const codes: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const out = await local.connect.send(batch(`entry-${i}`, list));
      codes.push((out.FailedRequestList ?? []).map((f) => `${f.RequestIdentifier}:${f.FailureReasonCode}`));
      if (i === 0) assert.equal(out.FailedRequestList?.find((f) => f.RequestIdentifier === 'r-2')?.FailureReasonMessage, 'something new');
    }
    assert.deepEqual(codes, [['r-1:REQUEST_THROTTLED', 'r-2:BRAND_NEW_CODE'], ['r-1:REQUEST_THROTTLED'], []]);
  });

  void test('the chat concurrency limit answers 429 LimitExceededException until chats end', async () => {
    local.emu.setFaults({ chatConcurrencyLimit: 2 });
    await local.connect.send(chat('c1', 60));
    await local.connect.send(chat('c2', 120));
    assert.equal(await outcome(local.connect.send(chat('c3'))), 'LimitExceededException 429');
    // A replay is not a new chat.
    assert.equal(await outcome(local.connect.send(chat('c1', 60))), 'ok');
    local.clock += 60 * 60_000;
    assert.equal(await outcome(local.connect.send(chat('c3'))), 'ok');
    assert.equal(await outcome(local.connect.send(chat('c4'))), 'LimitExceededException 429');
    assert.equal(local.emu.contacts({ channel: 'CHAT' }).length, 3);
    assert.equal(local.emu.stats().throttled, 2);
  });
});

void describe('emulator: rate limits, latency and the SDK retry', () => {
  const local = useEmulator();
  beforeEach(() => {
    local.emu.configure({ rate: undefined, latencyMs: 0, deniedAccessKeyIds: [] });
  });

  void test('over the rate: BatchPutContact gets LimitExceededException, chat gets ThrottlingException', async () => {
    local.emu.configure({ rate: { batchPutContact: { perSecond: 1, burst: 3 }, outboundChat: { perSecond: 0.2, burst: 1 } } });
    const batches = await Promise.all(Array.from({ length: 5 }, (_, i) => outcome(local.connect.send(batch(`rate-${i}`, entries(`rate-${i}`, 1))))));
    assert.equal(batches.filter((r) => r === 'ok').length, 3);
    assert.equal(batches.filter((r) => r === 'LimitExceededException 429').length, 2);
    const chats = [await outcome(local.connect.send(chat())), await outcome(local.connect.send(chat()))];
    assert.deepEqual(chats, ['ok', 'ThrottlingException 429']);
    assert.equal(local.emu.stats().throttled, 3);
    // The bucket refills at the configured rate.
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await outcome(local.connect.send(batch('refilled', entries('refilled', 1)))), 'ok');
  });

  void test('latency is added to every call', async () => {
    local.emu.configure({ latencyMs: 150 });
    const started = performance.now();
    await local.connect.send(batch('slow', entries('slow', 1)));
    assert.ok(performance.now() - started >= 145);
  });

  void test('the SDK retries a scripted 500 by itself, with the same token, creating the contacts once', async () => {
    local.emu.setFaults({ schedule: [{ operation: 'BatchPutContact', call: 1, error: 'InternalServiceException' }] });
    const out = await emulatorClient(local.emu, { maxAttempts: 3 }).send(new BatchPutContactCommand({ InstanceId: 'instance-1', ContactDataRequestList: entries('retry', 5) }));
    assert.equal(out.$metadata.attempts, 2);
    assert.equal(out.SuccessfulRequestList?.length, 5);
    assert.equal(local.emu.contacts().length, 5);
    const stats = local.emu.stats();
    assert.equal(stats.calls.BatchPutContact, 2);
    assert.deepEqual(stats.byStatus, { '200': 1, '500': 1 });
    assert.equal(stats.duplicates, 0);
  });

  void test('the SDK retries throttling too, and gives up after maxAttempts', async () => {
    local.emu.setFaults({ schedule: [{ operation: 'StartOutboundChatContact', times: 3, error: 'ThrottlingException' }] });
    assert.equal(await outcome(emulatorClient(local.emu, { maxAttempts: 3 }).send(chat())), 'ThrottlingException 429');
    assert.equal(local.emu.stats().calls.StartOutboundChatContact, 3);
    assert.equal(local.emu.contacts().length, 0);
  });

  void test('a principal denied at runtime gets AccessDeniedException and is not retried', async () => {
    local.emu.configure({ deniedAccessKeyIds: ['test'] });
    assert.equal(await outcome(emulatorClient(local.emu, { maxAttempts: 3 }).send(batch('denied'))), 'AccessDeniedException 403');
    assert.equal(local.emu.stats().calls.BatchPutContact, 1);
    local.emu.configure({ deniedAccessKeyIds: [] });
    assert.equal(await outcome(local.connect.send(batch('allowed'))), 'ok');
  });
});
