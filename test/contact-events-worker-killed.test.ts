// A worker process killed while it consumes contact events loses none: the real worker
// (its own process, @aws-sdk/client-sqs) reads the emulator's queue, is frozen while it holds
// messages it has not deleted, SIGKILLed, and a second worker process takes the queue over
// once those messages are visible again. Every call then has the disposition the emulator gave it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { emulatorSqsClient } from './support/emulator';
import { eventually } from './support/eventually';

const ENTRIES = 300;
/** The emulator's call outcomes, and the dispositions they map to (docs/call-outcomes.md). */
const OUTCOMES = { HUMAN_ANSWERED: 0.4, VOICEMAIL: 0.2, NO_ANSWER: 0.3, BUSY: 0.1 };
const DISPOSITION_OF: Record<string, string> = { HUMAN_ANSWERED: 'REACHED', VOICEMAIL: 'VOICEMAIL', NO_ANSWER: 'NO_ANSWER', BUSY: 'BUSY' };

let stack: Stack;

before(async () => {
  // The stack's own worker runs the campaign but reads no events: only the worker processes below do.
  stack = await startStack({ emulator: { calls: { ringMs: 200, outcomes: OUTCOMES, duplicateRate: 0.3, reorder: true, seed: 41 } } });
});
after(async () => {
  await stack?.stop();
});

async function queueAttributes(): Promise<{ visible: number; inFlight: number }> {
  const answer = await emulatorSqsClient(stack.emulator).send(
    new GetQueueAttributesCommand({ QueueUrl: stack.emulator.contactEventsQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(answer.Attributes?.ApproximateNumberOfMessages), inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

function consumerProcess(): ChildProcess {
  return stack.spawnWorkerProcess(`consumer-${randomUUID()}`, { CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: stack.emulator.contactEventsQueueUrl });
}

/** Freezes `child` at a moment it holds received, undeleted messages; answers how many. */
async function freezeHoldingMessages(child: ChildProcess): Promise<number> {
  for (let i = 0; i < 400; i++) {
    child.kill('SIGSTOP');
    const { inFlight } = await queueAttributes();
    if (inFlight > 0) return inFlight;
    child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 25));
  }
  return 0;
}

describe('contact events through a worker killed mid-consumption', () => {
  test('SIGKILL while holding undeleted messages: the next worker applies them, every call gets the emulator’s disposition, the queue empties', { timeout: 400_000 }, async () => {
    const first = consumerProcess();
    const campaignId = uniqueCampaignId('consumer-kill');
    await stack.campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      dialList: { kind: 'inline', entries: Array.from({ length: ENTRIES }, (_, i) => entry(i)) },
    });
    // The first worker is consuming: some calls decided, not all.
    await eventually(
      'the first worker process to decide some calls',
      async () => {
        const s = await stack.campaigns.callOutcomes(campaignId);
        return s.calls - s.pending >= 20;
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    const held = await freezeHoldingMessages(first);
    assert.ok(held > 0, 'the worker was frozen while it held messages it had received and not deleted');
    first.kill('SIGKILL');
    const atKill = await stack.campaigns.callOutcomes(campaignId);

    const result = await stack.campaigns.result(campaignId);
    assert.equal(result.outcomes.CREATED, ENTRIES, JSON.stringify(result));
    consumerProcess();
    // The dead worker's messages come back after their 60 s visibility timeout.
    const summary = await eventually(
      'every call decided by the second worker process',
      async () => {
        const s = await stack.campaigns.callOutcomes(campaignId);
        return s.pending === 0 && s.calls === ENTRIES && s;
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    assert.ok(atKill.pending > 0, `calls were still undecided when the first worker died: ${JSON.stringify(atKill)}`);

    const expected: Record<string, number> = { REACHED: 0, VOICEMAIL: 0, NO_ANSWER: 0, BUSY: 0, INVALID_NUMBER: 0, NOT_DIALLED: 0, UNKNOWN: 0 };
    const byContact = new Map<string, string>();
    for (const c of stack.emulator.contacts().filter((x) => x.channel === 'VOICE')) {
      const disposition = DISPOSITION_OF[c.disposition ?? ''] ?? `the emulator's ${c.disposition ?? 'unended call'}`;
      byContact.set(c.contactId, disposition);
      expected[disposition] = (expected[disposition] ?? 0) + 1;
    }
    assert.equal(byContact.size, ENTRIES);
    assert.deepEqual(summary.counts, expected, 'entries per disposition, none lost to the kill');
    const wrong: string[] = [];
    for await (const r of stack.campaigns.report(campaignId)) {
      if (r.disposition !== byContact.get(r.contactId ?? '') || r.attempts !== 1) wrong.push(`${r.requestIdentifier}: ${r.disposition ?? 'none'} ×${r.attempts ?? 0}`);
    }
    assert.deepEqual(wrong, [], 'each entry has the disposition of its own call');
    // The dead worker's last messages may be duplicates whose calls are decided already: they come
    // back 60 s after it received them, whenever that was, and are applied then.
    let left = { visible: -1, inFlight: -1 };
    await eventually(
      () => `the queue emptied: every message applied and deleted (left: ${JSON.stringify(left)})`,
      async () => {
        left = await queueAttributes();
        return left.visible + left.inFlight === 0;
      },
      { timeoutMs: 150_000, intervalMs: 250 },
    );
  });
});
