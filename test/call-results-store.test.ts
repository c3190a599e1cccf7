// The call results in the campaign store: facts merge whatever their order and repeats, a
// disposition is written once, contacts of no campaign here are told apart, UNKNOWN settles the rest;
// a v2 call is linked to its send by the request token its attributes carry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, type TestStore } from './support/database';

let t: TestStore;
before(async () => {
  t = await openTestStore('pglite');
});
after(async () => {
  await t?.close();
});

const KEY = 'campaign-store-calls';

describe('call results store', () => {
  test('merged facts decide once; a later contradicting event never overwrites a final disposition', async () => {
    await t.store.recordAttempts(KEY, [
      { index: 0, send: 1, api: 'BatchPutContact', result: 'CREATED', contactId: 'call-0' },
      { index: 1, send: 1, api: 'BatchPutContact', result: 'CREATED', contactId: 'call-1a' },
      { index: 1, send: 2, api: 'BatchPutContact', result: 'CREATED', contactId: 'call-1b' },
      { index: 2, send: 1, api: 'BatchPutContact', result: 'REQUEST_THROTTLED' },
    ]);
    const first = await t.store.recordCallFacts([
      { contactId: 'call-0', facts: { connected: true, ended: false }, source: 'EVENT' },
      { contactId: 'someone-elses', facts: { connected: false, ended: true, disconnectReason: 'TELECOM_BUSY' }, source: 'EVENT' },
    ]);
    assert.deepEqual([...first.known], ['call-0']);
    assert.deepEqual(first.decided, []);
    const second = await t.store.recordCallFacts([{ contactId: 'call-0', facts: { connected: false, ended: true, disconnectReason: 'CUSTOMER_DISCONNECT' }, source: 'EVENT' }]);
    assert.deepEqual(
      second.decided.map((d) => [d.index, d.disposition]),
      [[0, 'REACHED']],
    );
    // The same event again, and one that would say otherwise: nothing changes, nothing decided again.
    const again = await t.store.recordCallFacts([
      { contactId: 'call-0', facts: { connected: false, ended: true, disconnectReason: 'CUSTOMER_DISCONNECT' }, source: 'EVENT' },
      { contactId: 'call-0', facts: { connected: false, ended: true, amdStatus: 'VOICEMAIL_BEEP' }, source: 'EVENT' },
    ]);
    assert.deepEqual(again.decided, []);
    await t.store.recordCallFacts([{ contactId: 'call-1a', facts: { connected: false, ended: true, disconnectReason: 'TELECOM_UNANSWERED' }, source: 'EVENT' }]);
    const summary = await t.store.dispositionSummary(KEY);
    assert.equal(summary.calls, 3);
    assert.equal(summary.pending, 1, 'call-1b has no result yet');
    assert.equal(summary.counts.REACHED, 1);
    assert.equal(summary.counts.NO_ANSWER, 1, "entry 1's newest decided call");
    const undecided = await t.store.undecidedCalls(KEY, new Date(Date.now() + 60_000), 10);
    assert.deepEqual(
      undecided.map((c) => c.contactId),
      ['call-1b'],
    );
    const settled = await t.store.settleUndecided(KEY);
    assert.deepEqual(
      settled.map((c) => [c.contactId, c.disposition]),
      [['call-1b', 'UNKNOWN']],
    );
    assert.deepEqual(await t.store.settleUndecided(KEY), [], 'settling twice records nothing more');
    const after = await t.store.dispositionSummary(KEY);
    assert.equal(after.pending, 0);
    assert.equal(after.counts.UNKNOWN, 1);
    assert.equal(after.counts.NO_ANSWER, 0);
  });
  test('a v2 call is linked to its send by request token: its events then count by ContactId, DescribeContact may ask about it', async () => {
    const V2 = 'campaign-store-calls-v2';
    await t.store.recordAttempts(V2, [
      { index: 0, send: 1, api: 'PutOutboundRequestBatch', result: 'CREATED', contactId: 'dial-0', requestToken: 'v2.e0.s1.h' },
      { index: 1, send: 1, api: 'PutOutboundRequestBatch', result: 'CREATED', contactId: 'dial-1', requestToken: 'v2.e1.s1.h' },
      { index: 2, send: 1, api: 'PutOutboundRequestBatch', result: 'InvalidInput', requestToken: 'v2.e2.s1.h' },
    ]);
    const disconnected = { connected: false, ended: true, disconnectReason: 'TELECOM_UNANSWERED' };
    // Before the link the contact is nobody's here: its event is unknown.
    assert.deepEqual([...(await t.store.recordCallFacts([{ contactId: 'contact-0', facts: disconnected, source: 'EVENT' }])).known], []);
    assert.deepEqual(await t.store.undecidedCalls(V2, new Date(Date.now() + 60_000), 10, { linkedOnly: true }), [], 'no v2 call is linked yet');

    const links = [
      { requestToken: 'v2.e0.s1.h', contactId: 'contact-0', instanceId: 'instance-v2' },
      { requestToken: 'v2.e2.s1.h', contactId: 'contact-2', instanceId: 'instance-v2' },
      { requestToken: 'another-dialers-token', contactId: 'contact-x', instanceId: 'instance-v2' },
    ];
    assert.deepEqual([...(await t.store.linkCalls(links))], ['contact-0'], 'only the send Connect accepted is linked; a token no send has links nothing');
    assert.deepEqual([...(await t.store.linkCalls(links))], ['contact-0'], 'a repeated link answers the same');
    assert.deepEqual(
      [...(await t.store.linkCalls([{ requestToken: 'v2.e0.s1.h', contactId: 'contact-other', instanceId: 'instance-v2' }]))],
      [],
      'a send already linked keeps its contact',
    );
    assert.equal(await t.store.linkedContactOf(V2, 'dial-0'), 'contact-0', "the dial request's call, for an SMS's RelatedContactId");
    assert.equal(await t.store.linkedContactOf(V2, 'dial-1'), undefined, 'not linked yet');
    // A retried send of the same request keeps its link.
    await t.store.recordAttempts(V2, [{ index: 0, send: 1, api: 'PutOutboundRequestBatch', result: 'CREATED', contactId: 'dial-0', requestToken: 'v2.e0.s1.h' }]);

    assert.equal(await t.store.linkedContactOf(V2, 'dial-0'), 'contact-0');
    const undecided = await t.store.undecidedCalls(V2, new Date(Date.now() + 60_000), 10, { linkedOnly: true });
    assert.deepEqual(undecided, [{ index: 0, send: 1, contactId: 'contact-0', instanceId: 'instance-v2' }], 'the linked call, by its ContactId and instance');
    assert.equal((await t.store.undecidedCalls(V2, new Date(Date.now() + 60_000), 10)).length, 2, 'without linkedOnly the unlinked dial request is listed too');

    const recorded = await t.store.recordCallFacts([{ contactId: 'contact-0', facts: disconnected, source: 'EVENT' }]);
    assert.deepEqual([...recorded.known], ['contact-0']);
    assert.deepEqual(
      recorded.decided.map((d) => [d.index, d.send, d.contactId, d.disposition]),
      [[0, 1, 'contact-0', 'NO_ANSWER']],
    );
    const summary = await t.store.dispositionSummary(V2);
    assert.deepEqual([summary.calls, summary.pending, summary.counts.NO_ANSWER], [2, 1, 1], JSON.stringify(summary));
  });

  test('v2 campaigns noted by id or ARN are found by the id contact events name; others are not', async () => {
    await t.store.noteOutboundCampaign('arn:aws:connect-campaigns:us-east-1:123456789012:campaign/0a1b2c3d-noted');
    await t.store.noteOutboundCampaign('plain-noted');
    await t.store.noteOutboundCampaign('plain-noted');
    const found = await t.store.outboundCampaignsAmong(['0a1b2c3d-noted', 'plain-noted', 'never-noted']);
    assert.deepEqual([...found].sort(), ['0a1b2c3d-noted', 'plain-noted']);
    assert.equal((await t.store.outboundCampaignsAmong([])).size, 0);
  });
});
