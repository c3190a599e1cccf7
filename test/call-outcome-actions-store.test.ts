// Acting on call outcomes in the campaign store: each decided call is acted on once (a repeated
// or retried look schedules nothing twice), redials stop at maxAttempts, a human answer is never
// redialled, and a voicemail's SMS is ordered once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallFacts } from '../src/domain/call-disposition';
import { redialsByDisposition } from '../src/storage/call-outcome-actions';
import { openTestStore, type TestStore } from './support/database';

let t: TestStore;
before(async () => {
  t = await openTestStore('pglite');
});
after(async () => {
  await t?.close();
});

const KEY = 'campaign-store-call-actions';
const ended = (amdStatus: string, disconnectReason: string): CallFacts => ({ connected: false, ended: true, amdStatus, disconnectReason });

describe('call outcome actions in the store', () => {
  test('a decided call is acted on once: a redial waits until afterSeconds, an SMS is ordered once, REACHED is never redialled', async () => {
    const { store } = t;
    await store.stageEntries(
      KEY,
      [0, 1, 2, 3].map((index) => ({ index, entry: { RequestIdentifier: `c-${index}`, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1415555000${index}` } } })),
    );
    await store.recordOutcomes(
      KEY,
      [0, 1, 2, 3].map((index) => ({ requestIdentifier: `c-${index}`, index, outcome: 'CREATED' as const, contactId: `call-${index}` })),
    );
    await store.recordAttempts(
      KEY,
      [0, 1, 2, 3].map((index) => ({ index, send: 1, api: 'BatchPutContact', result: 'CREATED', contactId: `call-${index}` })),
    );
    await store.recordCallFacts([
      { contactId: 'call-0', facts: ended('HUMAN_ANSWERED', 'CUSTOMER_DISCONNECT'), source: 'EVENT' },
      { contactId: 'call-1', facts: ended('AMD_UNANSWERED', 'TELECOM_UNANSWERED'), source: 'EVENT' },
      { contactId: 'call-2', facts: ended('VOICEMAIL_BEEP', 'CONTACT_FLOW_DISCONNECT'), source: 'EVENT' },
      // call-3 is still ringing: nothing is decided, nothing acted on.
    ]);
    // A rule that lists REACHED directly (the spec refuses it) still redials no human answer.
    const look = {
      campaignKey: KEY,
      redials: [...redialsByDisposition([{ dispositions: ['NO_ANSWER'], afterSeconds: 60, maxAttempts: 2 }]), { disposition: 'REACHED' as const, afterSeconds: 0, maxAttempts: 5 }],
      smsOn: ['VOICEMAIL' as const],
      orderAfter: 7,
      max: 100,
    };
    const before = Date.now();
    assert.deepEqual(await store.actOnDecidedCalls(look), { acted: 3, redialled: 1, redialledBy: { NO_ANSWER: 1 }, ordered: 1 });
    const waiting = await store.waitingSummary(KEY);
    assert.equal(waiting.total, 1);
    assert.deepEqual(waiting.byZone, { redial: 1 });
    assert.ok((waiting.nextDueAt ?? 0) >= before + 59_000, `the redial is due afterSeconds after the decision: ${waiting.nextDueAt ?? 'none'}`);
    assert.deepEqual(await store.readyDeflections(KEY, 7, 10), [{ requestIdentifier: 'c-2', index: 2, order: 8, afterCall: true }]);

    // The same look again (a retried activity): nothing new, the same orders answered.
    assert.deepEqual(await store.actOnDecidedCalls(look), { acted: 0, redialled: 0, redialledBy: {}, ordered: 1 });
    assert.equal((await store.waitingSummary(KEY)).total, 1);

    // Released and called again (send 2), unanswered again: maxAttempts 2 is reached, no third call.
    assert.deepEqual(await store.releaseDue(KEY, 'release-1', before + 61_000, 10), [{ index: 1, sends: 1, redial: true }]);
    assert.deepEqual(
      await store.calledBefore(KEY, [
        [1, 2],
        [3, 1],
      ]),
      [1],
    );
    await store.recordAttempts(KEY, [{ index: 1, send: 2, api: 'BatchPutContact', result: 'CREATED', contactId: 'call-1b' }]);
    await store.recordCallFacts([{ contactId: 'call-1b', facts: ended('AMD_UNANSWERED', 'TELECOM_UNANSWERED'), source: 'EVENT' }]);
    assert.deepEqual(await store.actOnDecidedCalls({ ...look, orderAfter: 8 }), { acted: 1, redialled: 0, redialledBy: {}, ordered: 0 });
    assert.equal((await store.waitingSummary(KEY)).total, 0);
  });
});
