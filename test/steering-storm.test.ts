// A steering storm against a running campaign: hundreds of concurrent deflections, pause/resume
// pairs and progress queries. Issue #10: this load once wedged a campaign for good (a
// nondeterminism error on every workflow task), so the test checks the end state entry by
// entry, the history for failed workflow tasks, and that the history replays.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from '@temporalio/worker';
import type { DeflectAnswer } from '../src/domain/deflection';
import type { OutcomeRecord } from '../src/domain/outcome';
import { workflowBundle } from '../src/worker';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';

let stack: Stack;

before(async () => {
  stack = await startStack({ emulator: { latencyMs: 10 } });
});
after(async () => {
  await stack?.stop();
});

const SIZE = 3_000;
const DEFLECTIONS = 200;
const PAUSE_PAIRS = 20;

describe('a steering storm', () => {
  test(`${DEFLECTIONS} concurrent deflections, ${PAUSE_PAIRS} pause/resume pairs and progress queries: every caller answered, every entry one outcome, history replays`, async () => {
    const id = uniqueCampaignId('storm');
    const file = join(stack.dataDir, `${id}.jsonl`);
    const rid = (i: number): string => `${id}-${i}`;
    await writeFile(file, Array.from({ length: SIZE }, (_, i) => JSON.stringify(entry(i, { RequestIdentifier: rid(i) }))).join('\n'));
    await stack.campaigns.start({
      campaignId: id,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      chat: { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', chatsPerSecond: 20, chatsInFlight: 4 },
      pacing: { batchSize: 25, batchesInFlight: 4, batchesPerSecond: 10, adaptive: true },
      dialList: { kind: 'file', path: file },
    });
    // Let it get going, so that deflections meet entries in every state: sent, in flight, queued, unread.
    await eventually('100 contacts created', async () => (await stack.campaigns.progress(id)).outcomes.CREATED >= 100, { timeoutMs: 120_000, intervalMs: 100 });

    let storming = true;
    const queries = (async () => {
      let n = 0;
      while (storming) {
        await stack.campaigns.progress(id);
        n++;
        await sleep(50);
      }
      return n;
    })();
    const steering = (async () => {
      for (let i = 0; i < PAUSE_PAIRS; i++) {
        await stack.campaigns.pause(id, `storm ${i}`);
        await sleep(150);
        await stack.campaigns.resume(id);
        await sleep(150);
      }
    })();
    // Random picks, repeats included, as callers would send them.
    const picks = Array.from({ length: DEFLECTIONS }, (_, i) => rid((i * 7919) % SIZE));
    const answers = await Promise.allSettled(picks.map((r) => stack.campaigns.deflect(id, { requestIdentifiers: [r], message: 'storm' })));
    await steering;
    storming = false;
    const queried = await queries;

    const failed = answers.flatMap((a, i) => (a.status === 'rejected' ? [`${picks[i]}: ${String(a.reason)}`] : []));
    assert.deepEqual(failed, [], 'every deflect call gets its answer');
    const answered = answers.map((a) => (a as PromiseFulfilledResult<DeflectAnswer>).value);
    const accepted = new Set(answered.flatMap((a) => a.accepted));
    for (const [i, a] of answered.entries()) {
      assert.equal(a.accepted.length + a.refused.length, 1, `the answer for ${picks[i]} names it once: ${JSON.stringify(a)}`);
    }

    const result = await stack.campaigns.result(id);
    assert.equal(result.status, 'COMPLETED', `the campaign completes: ${JSON.stringify(result)}`);
    const o = result.outcomes;
    assert.equal(o.CREATED + o.DEFLECTED + o.FAILED + o.REJECTED + o.CANCELLED, SIZE, `outcomes add up to the list: ${JSON.stringify(o)}`);
    assert.equal(o.DEFLECTED, accepted.size, 'each accepted deflection became one SMS');

    const records: OutcomeRecord[] = [];
    for await (const r of stack.campaigns.report(id)) records.push(r);
    assert.equal(records.length, SIZE, 'one outcome record per entry');
    assert.equal(new Set(records.map((r) => r.requestIdentifier)).size, SIZE, 'no entry has two outcomes');
    for (const r of records) {
      assert.equal(r.outcome, accepted.has(r.requestIdentifier) ? 'DEFLECTED' : 'CREATED', `${r.requestIdentifier} ended ${r.outcome}: ${r.message ?? ''}`);
    }
    const contacts = stack.emulator.contacts().filter((c) => c.clientToken?.startsWith(`campaign-${id}/`));
    const chats = contacts.filter((c) => c.channel === 'CHAT');
    assert.equal(chats.length, accepted.size, 'exactly one SMS per accepted deflection');
    assert.equal(stack.emulator.stats().duplicates, 0);

    const handle = stack.campaigns.handle(id);
    const history = await handle.fetchHistory();
    const workerFailures = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes && e.workflowTaskFailedEventAttributes.identity !== 'history-service');
    assert.deepEqual(
      workerFailures.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message),
      [],
      'no workflow task failed in the worker (a nondeterminism error would show here)',
    );
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
    assert.ok(queried > 0, 'progress was queried during the storm');
  });
});
