// Acting on call outcomes end to end: the real worker reads the emulator's contact events from
// SQS (duplicated and reordered) while campaigns run on the real Temporal server; redials wait
// in the store and go out through the normal batch path with new client tokens, and a voicemail
// gets one SMS through the deflection path (StartOutboundChatContact).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';
import { formatProgress } from '../src/cli/campaign-summary';

/** entry(i)'s number (test/support/stack.ts). */
const numberOf = (i: number): string => `+1415555${String(i).padStart(4, '0')}`;

const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', initialMessage: 'We tried to call you' };

let stack: Stack;

before(async () => {
  stack = await startStack({ contactEvents: true, emulator: { calls: { ringMs: 200, duplicateRate: 0.6, reorder: true, seed: 23 } } });
});
after(async () => {
  await stack?.stop();
});

/** The campaign's voice contacts to `number`, in the order they were created. */
function voiceCalls(campaignToken: string, number: string) {
  return stack.emulator.contacts({ channel: 'VOICE' }).filter((c) => c.customerAddress === number && c.clientToken?.startsWith(campaignToken) === true);
}

function scripted(byNumber: Record<string, string | string[]>): void {
  stack.emulator.configure({ calls: { ringMs: 200, byNumber: byNumber as never, duplicateRate: 0.6, reorder: true, seed: 23 } });
}

describe('call outcomes: redials and SMS', () => {
  test('redials only the configured dispositions, each with a new client token, never beyond maxAttempts, never a human answer', async () => {
    scripted({
      [numberOf(21)]: 'HUMAN_ANSWERED',
      [numberOf(22)]: 'NO_ANSWER',
      [numberOf(23)]: 'BUSY',
      [numberOf(24)]: 'INVALID_NUMBER',
      // Unanswered first, a person on the redial: called twice, then never again.
      [numberOf(25)]: ['NO_ANSWER', 'HUMAN_ANSWERED'],
      [numberOf(26)]: 'VOICEMAIL',
    });
    const campaignId = uniqueCampaignId('redial');
    const started = await stack.campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      callOutcomes: { redial: [{ dispositions: ['NO_ANSWER', 'BUSY'], afterSeconds: 1, maxAttempts: 3 }], settleWithinSeconds: 60 },
      dialList: { kind: 'inline', entries: [21, 22, 23, 24, 25, 26].map((i) => entry(i)) },
    });
    const result = await stack.campaigns.result(started.campaignId);
    assert.equal(result.status, 'COMPLETED');
    // Each entry counts once, whatever its calls: outcomes still add up to the list.
    assert.deepEqual(result.outcomes, { CREATED: 6, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 }, JSON.stringify(result.outcomes));
    assert.deepEqual(result.dispositions, { REACHED: 2, VOICEMAIL: 1, NO_ANSWER: 1, BUSY: 1, INVALID_NUMBER: 1, NOT_DIALLED: 0, UNKNOWN: 0 }, JSON.stringify(result.dispositions));
    assert.equal(result.redials, 5, 'c-22 and c-23 redialled twice each, c-25 once');
    // The progress that `status` shows counts dispositions and redials too.
    const progress = await stack.campaigns.progress(campaignId);
    assert.deepEqual(progress.dispositions, result.dispositions, JSON.stringify(progress));
    assert.equal(progress.redials, 5);
    assert.match(formatProgress(progress), /calls: REACHED 2 · VOICEMAIL 1 · NO_ANSWER 1 · BUSY 1 · INVALID_NUMBER 1 · 5 redials/);

    const token = `${started.workflowId}/`;
    const callsTo = Object.fromEntries([21, 22, 23, 24, 25, 26].map((i) => [i, voiceCalls(token, numberOf(i))]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(callsTo).map(([i, calls]) => [i, calls.length])),
      { 21: 1, 22: 3, 23: 3, 24: 1, 25: 2, 26: 1 },
      'calls per entry: NO_ANSWER and BUSY three times (maxAttempts), the rest once, c-25 until a person answered',
    );
    for (const i of [22, 23, 25]) {
      const tokens = new Set(callsTo[i]?.map((c) => c.clientToken));
      assert.equal(tokens.size, callsTo[i]?.length, `each call to c-${i} has its own client token: ${[...tokens].join(' ')}`);
    }
    assert.equal(stack.emulator.stats().duplicates, 0);

    const records = [];
    for await (const r of stack.campaigns.report(campaignId)) records.push(r);
    assert.deepEqual(
      records.map((r) => [r.requestIdentifier, r.outcome, r.disposition, r.attempts]),
      [
        ['c-21', 'CREATED', 'REACHED', 1],
        ['c-22', 'CREATED', 'NO_ANSWER', 3],
        ['c-23', 'CREATED', 'BUSY', 3],
        ['c-24', 'CREATED', 'INVALID_NUMBER', 1],
        ['c-25', 'CREATED', 'REACHED', 2],
        ['c-26', 'CREATED', 'VOICEMAIL', 1],
      ],
    );

    // The store work the dispatch loop waits for (pages, call outcomes, redials released) is
    // taken over 15 s after its worker dies, not 2 minutes: only whole-list work keeps 2 minutes.
    const history = await stack.campaigns.handle(campaignId).fetchHistory();
    const heartbeatTimeouts = new Map<string, Set<number>>();
    for (const e of history.events ?? []) {
      const a = e.activityTaskScheduledEventAttributes;
      if (!a || a.taskQueue?.name !== stack.taskQueue) continue;
      const name = a.activityType?.name ?? '?';
      heartbeatTimeouts.set(name, (heartbeatTimeouts.get(name) ?? new Set()).add(Number(a.heartbeatTimeout?.seconds ?? 0)));
    }
    for (const name of ['readStagedPage', 'actOnCallOutcomes', 'releaseWaitingEntries']) assert.ok(heartbeatTimeouts.has(name), `${name} ran on the campaign queue`);
    for (const [name, seconds] of heartbeatTimeouts)
      assert.deepEqual([...seconds], [name === 'stageDialList' || name === 'cancelRemaining' || name === 'importDeflections' ? 120 : 15], `${name}'s heartbeat timeout`);
  });

  test('a redial is screened again: a number suppressed after its first call is not called again and its entry stays CREATED', async () => {
    scripted({ [numberOf(41)]: 'NO_ANSWER', [numberOf(42)]: 'NO_ANSWER' });
    const campaignId = uniqueCampaignId('redial-suppressed');
    const started = await stack.campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      callOutcomes: { redial: [{ dispositions: ['NO_ANSWER'], afterSeconds: 3, maxAttempts: 2 }], settleWithinSeconds: 60 },
      dialList: { kind: 'inline', entries: [entry(41), entry(42)] },
    });
    const token = `${started.workflowId}/`;
    await eventually('the first calls placed', () => voiceCalls(token, numberOf(41)).length === 1, { timeoutMs: 30_000, intervalMs: 50 });
    await stack.store.addSuppressions([{ list: 'after-first-call', phone: numberOf(41) }]);
    const result = await stack.campaigns.result(started.campaignId);
    assert.deepEqual(result.outcomes, { CREATED: 2, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 }, JSON.stringify(result.outcomes));
    assert.equal(voiceCalls(token, numberOf(41)).length, 1, 'c-41 suppressed before its redial: called once');
    assert.equal(voiceCalls(token, numberOf(42)).length, 2, 'c-42 redialled once (maxAttempts 2)');
  });

  test('a voicemail gets exactly one SMS after its call, through the deflection path; a human answer gets none', async () => {
    scripted({ [numberOf(31)]: 'VOICEMAIL', [numberOf(32)]: 'VOICEMAIL', [numberOf(33)]: 'HUMAN_ANSWERED', [numberOf(34)]: ['NO_ANSWER', 'VOICEMAIL'] });
    const campaignId = uniqueCampaignId('voicemail-sms');
    const started = await stack.campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      chat,
      // The shape, with short times.
      callOutcomes: { redial: [{ dispositions: ['NO_ANSWER', 'BUSY'], afterSeconds: 1, maxAttempts: 3 }], smsOn: ['VOICEMAIL'], settleWithinSeconds: 60 },
      dialList: { kind: 'inline', entries: [31, 32, 33, 34].map((i) => entry(i)) },
    });
    const result = await stack.campaigns.result(started.campaignId);
    assert.equal(result.status, 'COMPLETED');
    // An SMS after the call supersedes CREATED, as an operator's deflection after dialling does.
    assert.equal(result.outcomes.DEFLECTED, 3, JSON.stringify(result.outcomes));
    assert.equal(result.outcomes.CREATED, 1, JSON.stringify(result.outcomes));

    const sms = stack.emulator.contacts({ channel: 'CHAT' }).filter((c) => c.clientToken?.startsWith(`${started.workflowId}/`) === true);
    assert.deepEqual(sms.map((c) => c.customerAddress).sort(), [numberOf(31), numberOf(32), numberOf(34)], 'one SMS per voicemail, none to the person who answered');
    const voice = stack.emulator.contacts({ channel: 'VOICE' });
    for (const c of sms) {
      const calls = voice.filter((v) => v.customerAddress === c.customerAddress);
      assert.ok(
        calls.some((v) => v.contactId === c.relatedContactId),
        `the SMS to ${c.customerAddress ?? '?'} follows its call (RelatedContactId ${c.relatedContactId ?? 'none'})`,
      );
    }
    assert.equal(voiceCalls(`${started.workflowId}/`, numberOf(34)).length, 2, 'c-34: redialled once after NO_ANSWER, then its voicemail got the SMS');

    const records = [];
    for await (const r of stack.campaigns.report(campaignId)) records.push(r);
    assert.deepEqual(
      records.map((r) => [r.requestIdentifier, r.outcome, r.disposition, r.attempts]),
      [
        ['c-31', 'DEFLECTED', 'VOICEMAIL', 1],
        ['c-32', 'DEFLECTED', 'VOICEMAIL', 1],
        ['c-33', 'CREATED', 'REACHED', 1],
        ['c-34', 'DEFLECTED', 'VOICEMAIL', 2],
      ],
    );
  });
});
