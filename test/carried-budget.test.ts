// Invariant 7: what a campaign carries across continue-as-new stays within its budget whatever
// operators do. Issue 18: 10,000 deflections with 330-character messages made a continue-as-new
// input of 4,146,118 bytes, over Temporal's 2 MB limit, and the campaign never moved again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { temporal } from '@temporalio/proto';
import { CampaignInputError } from '../src/client';
import { unpackIndices, type IndexRun } from '../src/domain/batch';
import { CARRIED_STATE_BUDGET_BYTES, heldEntriesBound } from '../src/domain/carried-budget';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { MAX_DEFLECT_SIGNAL_BYTES } from '../src/domain/deflection';
import type { CampaignResult } from '../src/domain/progress';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', chatsPerSecond: 50, chatsInFlight: 10 };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of the campaign's chain, oldest first, with its history. */
async function runHistories(workflowId: string, firstRunId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const history: temporal.api.history.v1.IHistory = await stack.campaigns.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.push(events);
    runId = events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

function payloadBytes(payloads: temporal.api.common.v1.IPayloads | null | undefined): number {
  return (payloads?.payloads ?? []).reduce((n, p) => n + (p.data?.length ?? 0) + Object.values(p.metadata ?? {}).reduce((m, v) => m + v.length, 0), 0);
}

/** The campaign's result, or a failure as soon as it stalls (a workflow task that keeps failing, e.g. on a payload over the limit). */
async function resultOrStall(campaignId: string, timeoutMs: number): Promise<CampaignResult> {
  let waiting = true;
  const stalled = (async (): Promise<never> => {
    const deadline = Date.now() + timeoutMs;
    while (waiting) {
      const stall = await stack.campaigns.stall(campaignId).catch(() => undefined);
      if (stall) throw new Error(`campaign ${campaignId} is stalled: ${stall.message}`);
      if (Date.now() > deadline) throw new Error(`campaign ${campaignId} did not end within ${timeoutMs / 1000} s`);
      await sleep(1000);
    }
    return new Promise<never>(() => undefined);
  })();
  try {
    return await Promise.race([stack.campaigns.result(campaignId), stalled]);
  } finally {
    waiting = false;
  }
}

describe('the carried-state budget', () => {
  // Scaled from the issue (100,000 deflections of 1 KB each would take this machine too long):
  // 2,000 deflections with a 1 KB message and 1 KB of attributes, most still unsent at the
  // first continue-as-new, carried about 4 MB on the code before the budget.
  const SIZE = 3_000;
  const DEFLECTED_FROM = 1_000;

  test('2,000 deflections with 1 KB messages and attributes: every continue-as-new input stays within the budget, one SMS per deflection, one outcome per entry', async (t) => {
    const id = uniqueCampaignId('budget');
    const rid = (i: number): string => `${id}-${i}`;
    const file = join(stack.dataDir, `${id}.jsonl`);
    await writeFile(file, Array.from({ length: SIZE }, (_, i) => JSON.stringify(entry(i, { RequestIdentifier: rid(i) }))).join('\n'));
    const spec: CampaignSpecInput = {
      campaignId: id,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      chat,
      pacing: { batchSize: 25, batchesInFlight: 4, adaptive: true },
      continueAsNewAfterBatches: 4,
      dialList: { kind: 'file', path: file },
    };
    const started = await stack.campaigns.start(spec);
    await stack.campaigns.pause(id, 'deflecting first');
    await eventually('staged and paused', async () => {
      const p = await stack.campaigns.progress(id);
      return p.status === 'PAUSED' && p.total === SIZE && p.batchesInFlight === 0;
    });

    const message = 'M'.repeat(1024);
    const attributes = { note: 'A'.repeat(1000) };
    const deflected = Array.from({ length: SIZE - DEFLECTED_FROM }, (_, k) => rid(DEFLECTED_FROM + k));
    for (let k = 0; k < deflected.length; k += 1000) {
      await stack.campaigns.deflectAsync(id, { requestIdentifiers: deflected.slice(k, k + 1000), message, attributes });
    }
    await eventually(
      'every deflection accepted',
      async () => (await stack.campaigns.progress(id)).pendingDeflections + (await stack.campaigns.progress(id)).outcomes.DEFLECTED >= deflected.length,
      {
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    await stack.campaigns.resume(id);

    const result = await resultOrStall(id, 600_000);
    assert.equal(result.status, 'COMPLETED');
    assert.ok(result.runs >= 5, `expected several runs, got ${result.runs}`);
    assert.equal(result.outcomes.DEFLECTED, deflected.length);
    assert.equal(result.outcomes.CREATED, DEFLECTED_FROM);

    const runs = await runHistories(started.workflowId, started.runId);
    assert.equal(runs.length, result.runs);
    const inputs = runs
      .slice(0, -1)
      .map((events) => payloadBytes(events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes?.input));
    const largest = Math.max(...inputs);
    t.diagnostic(`continue-as-new inputs over ${inputs.length} runs: ${inputs.join(', ')} bytes (largest ${largest})`);
    assert.ok(largest > 0, 'the continue-as-new inputs were measured');
    assert.ok(
      largest < CARRIED_STATE_BUDGET_BYTES,
      `the largest continue-as-new input is ${largest} bytes, over the budget of ${CARRIED_STATE_BUDGET_BYTES}: ${inputs.join(', ')}`,
    );
    const failedTasks = runs.flat().filter((e) => e.workflowTaskFailedEventAttributes);
    assert.deepEqual(
      failedTasks.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message),
      [],
      'no workflow task failed',
    );

    const contacts = stack.emulator.contacts().filter((c) => c.clientToken?.startsWith(`campaign-${id}/`));
    const sms = new Map<string, number>();
    const chatPrefix = `campaign-${id}/chat/`;
    for (const c of contacts) {
      const r = c.channel === 'CHAT' ? (c.clientToken ?? '').slice(chatPrefix.length) : undefined;
      if (r !== undefined) sms.set(r, (sms.get(r) ?? 0) + 1);
    }
    assert.deepEqual(
      deflected.filter((r) => sms.get(r) !== 1),
      [],
      'every deflected entry got exactly one SMS',
    );
    assert.equal(sms.size, deflected.length, 'no SMS to an entry that was not deflected');
    const deflectedSet = new Set(deflected);
    assert.deepEqual(
      contacts.filter((c) => c.channel === 'VOICE' && deflectedSet.has(c.requestIdentifier ?? '')).map((c) => c.requestIdentifier),
      [],
      'no deflected entry was dialled',
    );
    const chats = contacts.filter((c) => c.channel === 'CHAT');
    assert.ok(
      chats.every((c) => c.attributes?.note === attributes.note),
      'each SMS carries the attributes of its deflection',
    );
    const records = [];
    for await (const r of stack.campaigns.report(id)) records.push(r);
    assert.equal(records.length, SIZE, 'one outcome record per entry');
    assert.equal(new Set(records.map((r) => r.index)).size, SIZE);
    assert.equal(records.filter((r) => r.outcome === 'DEFLECTED').length, deflected.length);
  });

  test('retry lanes have back-pressure: while the run holds its bound of entries it reads no page, and every entry is still dialled once', async (t) => {
    // Every entry's first send fails with INTERNAL_ERROR and waits 10 s: on the code before the
    // budget the whole list moved into the retry lanes (and into the carried state) before the
    // first retry was due.
    const size = 3_000;
    const id = uniqueCampaignId('pressure');
    const rid = (i: number): string => `${id}-${i}`;
    const file = join(stack.dataDir, `${id}.jsonl`);
    await writeFile(file, Array.from({ length: size }, (_, i) => JSON.stringify(entry(i, { RequestIdentifier: rid(i) }))).join('\n'));
    stack.emulator.setFaults({ schedule: Array.from({ length: size }, (_, i) => ({ requestIdentifier: rid(i), failureReasonCode: 'INTERNAL_ERROR' })) });
    const pacing = { batchSize: 25, batchesInFlight: 4, adaptive: false };
    const started = await stack.campaigns.start({
      campaignId: id,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      pacing,
      lanes: { internal: { initialBackoffMs: 10_000, maxBackoffMs: 10_000 } },
      dialList: { kind: 'file', path: file },
    });
    const result = await resultOrStall(id, 600_000).finally(() => stack.emulator.setFaults({}));
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.outcomes.CREATED, size);

    // From the history: when each page was asked for, how many entries the run had read and how many were CREATED.
    const bound = heldEntriesBound(pacing);
    const json = (payloads: temporal.api.common.v1.IPayloads | null | undefined): unknown => JSON.parse(Buffer.from(payloads?.payloads?.[0]?.data ?? []).toString('utf8'));
    const reads: { fromIndex: number; maxEntries: number; created: number }[] = [];
    const batchActivities = new Set<string>();
    let created = 0;
    for (const events of await runHistories(started.workflowId, started.runId)) {
      for (const e of events) {
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (scheduled?.activityType?.name === 'readStagedPage') {
          const input = json(scheduled.input) as { fromIndex: number; maxEntries: number };
          reads.push({ fromIndex: input.fromIndex, maxEntries: input.maxEntries, created });
        }
        if (scheduled?.activityType?.name === 'putContactBatch') batchActivities.add(String(e.eventId));
        const completed = e.activityTaskCompletedEventAttributes;
        if (completed && batchActivities.has(String(completed.scheduledEventId))) {
          created += unpackIndices((json(completed.result) as { created: IndexRun[] }).created).length;
        }
      }
    }
    t.diagnostic(`${reads.length} page reads; entries read but not yet CREATED when each was asked for: ${reads.map((r) => r.fromIndex + r.maxEntries - r.created).join(', ')}`);
    assert.ok(reads.length > 3, `only ${reads.length} page reads`);
    assert.deepEqual(
      reads.filter((r) => Math.min(r.fromIndex + r.maxEntries, size) - r.created > bound),
      [],
      `a page was read while the run held (or would hold) more than ${bound} entries`,
    );
    const voice = stack.emulator.contacts().filter((c) => c.channel === 'VOICE' && c.clientToken?.startsWith(`campaign-${id}/`));
    assert.equal(new Set(voice.map((c) => c.requestIdentifier)).size, size, 'every entry dialled');
    assert.equal(voice.length, size, 'no entry dialled twice');
  });

  /** A small campaign to deflect into, paused so nothing is dialled. */
  async function pausedCampaign(prefix: string, size: number): Promise<{ id: string; rid: (i: number) => string }> {
    const id = uniqueCampaignId(prefix);
    // Long RequestIdentifiers (80 characters), so that a few hundred fill a signal.
    const rid = (i: number): string => `${id}-${String(i).padStart(80 - id.length - 1, '0')}`;
    await stack.campaigns.start({
      campaignId: id,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      chat,
      pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true },
      dialList: { kind: 'inline', entries: Array.from({ length: size }, (_, i) => entry(i, { RequestIdentifier: rid(i) })) },
    });
    await stack.campaigns.pause(id);
    await eventually('staged and paused', async () => {
      const p = await stack.campaigns.progress(id);
      return p.status === 'PAUSED' && p.total === size;
    });
    return { id, rid };
  }

  async function deflectSignals(campaignId: string): Promise<HistoryEvent[]> {
    const history = await stack.campaigns.handle(campaignId).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'deflectToChat');
  }

  test('a deflect request larger than a signal may be is split into signals that each fit, and every id is answered', async () => {
    const { id, rid } = await pausedCampaign('split', 300);
    // 124 KB of attributes leave room for a few dozen 80-character ids in each 128 KiB signal.
    const attributes = Object.fromEntries(Array.from({ length: 4 }, (_, k) => [`a${k}`, 'x'.repeat(31_000)]));
    const ids = Array.from({ length: 300 }, (_, i) => rid(i));
    const answer = await stack.campaigns.deflect(id, { requestIdentifiers: ids, attributes }, { timeoutMs: 120_000 });
    assert.deepEqual([...answer.accepted].sort(), [...ids].sort());
    assert.deepEqual(answer.refused, []);
    const signals = await deflectSignals(id);
    assert.ok(signals.length > 1, `the request went as ${signals.length} signal(s)`);
    for (const s of signals) {
      const bytes = payloadBytes(s.workflowExecutionSignaledEventAttributes?.input);
      assert.ok(bytes <= MAX_DEFLECT_SIGNAL_BYTES + 1024, `a signal of ${bytes} bytes`);
    }
    await stack.campaigns.cancel(id);
  });

  test('a deflect request whose message and attributes alone exceed a signal is refused with the field named, and nothing is sent', async () => {
    const { id, rid } = await pausedCampaign('refuse', 10);
    const attributes = Object.fromEntries(Array.from({ length: 5 }, (_, k) => [`a${k}`, 'x'.repeat(32_000)]));
    await assert.rejects(
      stack.campaigns.deflect(id, { requestIdentifiers: [rid(1)], attributes }),
      (err: unknown) => err instanceof CampaignInputError && err.issues[0]?.field === 'attributes' && /nothing was sent/.test(err.message),
    );
    await assert.rejects(stack.campaigns.deflectAsync(id, { requestIdentifiers: [rid(1)], attributes }), CampaignInputError);
    assert.equal((await deflectSignals(id)).length, 0, 'no deflectToChat signal reached the campaign');
    await stack.campaigns.cancel(id);
  });
});
