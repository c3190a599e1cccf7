// The campaign workflow against scripted activities on a time-skipping test server: lanes,
// splits, pacing, steering and continue-as-new, with exact call counts, in seconds. Backoff
// and pacing timers are skipped, not slept. What only the real stack shows (Connect's
// answers, the store, killed workers, the UI) stays in campaign.test.ts and steering.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { CampaignActivities, FailedEntry } from '../src/activities';
import { packIndices, unpackEntries, type BatchEntry, type BatchResult } from '../src/domain/batch';
import { campaignSpecSchema, campaignWorkflowId, type CampaignSpecInput } from '../src/domain/campaign';
import type { DeflectAnswer } from '../src/domain/deflection';
import { cancelSignal, deflectionAnswerQuery, deflectToChatSignal, pauseSignal, progressQuery, resumeSignal } from '../src/domain/messages';
import type { CampaignResult } from '../src/domain/progress';
import type { UnsentEntries } from '../src/storage/campaign-store';
import type { campaign } from '../src/workflows';
import { workflowBundle } from '../src/worker';
import { eventually } from './support/eventually';
import { timeSkippingTemporal } from './support/time-skipping';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

before(async () => {
  // One after the other: the test server must answer within 5 s of starting, and bundling (a child process) competes for the CPU.
  env = await timeSkippingTemporal();
  bundle = await workflowBundle();
});
after(async () => {
  await env?.teardown();
});

/** Connect's answer to one send of one entry: CREATED or a FailureReasonCode. */
type EntryAnswer = 'CREATED' | (string & {});

interface Script {
  total: number;
  /** The answer to entry `index`'s `send`-th send (1 for the first); CREATED when absent. */
  answer?: (index: number, send: number) => EntryAnswer;
  /** A failure of the whole call for a batch of these indices, instead of answers per entry. */
  callFailure?: (indices: number[]) => ApplicationFailure | undefined;
  /** Batch `seq` stays in flight until the promise settles. */
  hold?: (seq: number) => Promise<void> | undefined;
  /** RequestIdentifier → index, for lookupContacts (staged, no outcome yet). */
  staged?: Record<string, number>;
  /** RequestIdentifier → the outcome lookupContacts reports for it (written by a batch activity). */
  outcomes?: Record<string, 'CREATED'>;
  /** recordFailed returns when the promise settles. */
  holdRecordFailed?: () => Promise<void> | undefined;
  /** What connectRates answers: the workers' shared rate on every Connect queue; none (a worker that does not know) when absent. */
  sharedRate?: number;
}

/** What the workflow asked of its activities, in order. */
class Calls {
  readonly batches: { seq: number; entries: BatchEntry[]; scheduledMs: number }[] = [];
  readonly recordFailed: FailedEntry[][] = [];
  readonly cancelRemaining: UnsentEntries[] = [];
  readonly chats: { index: number; afterCall?: string }[] = [];
  readonly lookups: string[][] = [];
  readonly pages: number[] = [];
  /** The store's deflections table, by RequestIdentifier. */
  readonly deflections = new Map<string, { index: number; order?: number; afterCall: boolean; message?: string }>();

  /** Sends of entry `index` so far. */
  sends(index: number): number {
    return this.batches.reduce((n, b) => n + b.entries.filter(([i]) => i === index).length, 0);
  }
  sentIndices(): Set<number> {
    return new Set(this.batches.flatMap((b) => b.entries.map(([i]) => i)));
  }
}

type Scripted = Pick<
  CampaignActivities,
  | 'connectTaskQueues'
  | 'connectRates'
  | 'stageDialList'
  | 'readStagedPage'
  | 'putContactBatch'
  | 'putOutboundRequestBatch'
  | 'getV2CampaignState'
  | 'startOutboundChat'
  | 'recordFailed'
  | 'cancelRemaining'
  | 'lookupContacts'
  | 'recordDeflections'
  | 'releaseDeflections'
  | 'readyDeflections'
  | 'importDeflections'
>;

/** Activities with the workflow's names and shapes whose answers the test scripts; one task queue serves them all. */
function scriptedActivities(script: Script, calls: Calls, taskQueue: string): Scripted {
  return {
    connectTaskQueues: () => Promise.resolve({ batchPutContact: taskQueue, outboundRequests: taskQueue, chat: taskQueue }),
    connectRates: () =>
      Promise.resolve(script.sharedRate === undefined ? undefined : { batchPutContact: script.sharedRate, outboundRequests: script.sharedRate, chat: script.sharedRate }),
    stageDialList: () => Promise.resolve({ total: script.total, valid: script.total, rejected: 0 }),
    readStagedPage: ({ fromIndex, maxEntries }) => {
      calls.pages.push(fromIndex);
      const end = Math.min(script.total, fromIndex + maxEntries);
      const deflected = new Set([...calls.deflections.values()].map((d) => d.index));
      const indices = Array.from({ length: end - fromIndex }, (_, k) => fromIndex + k).filter((i) => !deflected.has(i));
      return Promise.resolve({ indices, nextIndex: end, done: end >= script.total });
    },
    putContactBatch: async ({ seq, entries: packed }): Promise<BatchResult> => {
      const entries = unpackEntries(packed);
      calls.batches.push({ seq, entries, scheduledMs: Context.current().info.currentAttemptScheduledTimestampMs });
      await script.hold?.(seq);
      const failure = script.callFailure?.(entries.map(([i]) => i));
      if (failure) throw failure;
      const created: number[] = [];
      const failed: BatchResult['failed'] = [];
      for (const [index, send] of entries) {
        const answer = script.answer?.(index, send) ?? 'CREATED';
        if (answer === 'CREATED') created.push(index);
        else failed.push({ index, code: answer });
      }
      return { seq, created: packIndices(created), failed };
    },
    putOutboundRequestBatch: () => Promise.reject(ApplicationFailure.nonRetryable('these tests submit through BatchPutContact')),
    getV2CampaignState: () => Promise.resolve('Running'),
    startOutboundChat: ({ index, afterCall }) => {
      calls.chats.push({ index, afterCall });
      return Promise.resolve({ requestIdentifier: `c-${index}`, contactId: `chat-${index}` });
    },
    recordFailed: async ({ entries }) => {
      calls.recordFailed.push(entries);
      await script.holdRecordFailed?.();
    },
    cancelRemaining: ({ unsent }) => {
      calls.cancelRemaining.push(unsent);
      const deflected = [...calls.deflections.values()];
      const fromIndex = unsent.fromIndex;
      const unread = fromIndex === undefined ? 0 : script.total - fromIndex - unsent.skip.length - deflected.filter((d) => d.index >= fromIndex).length;
      const after = unsent.deflectionsAfterOrder;
      const unsentDeflections = after === undefined ? 0 : deflected.filter((d) => d.order !== undefined && d.order > after && !d.afterCall).length;
      return Promise.resolve(unsent.held.length + unread + unsentDeflections);
    },
    recordDeflections: ({ deflections, message }) => {
      for (const d of deflections) {
        if (!calls.deflections.has(d.requestIdentifier)) calls.deflections.set(d.requestIdentifier, { index: d.index, order: d.order, afterCall: d.afterCall === true, message });
      }
      return Promise.resolve();
    },
    releaseDeflections: ({ released }) => {
      for (const r of released) {
        const row = [...calls.deflections.values()].find((d) => d.index === r.index);
        if (row && row.order === undefined) Object.assign(row, { order: r.order, afterCall: r.afterCall });
      }
      return Promise.resolve();
    },
    readyDeflections: ({ afterOrder, max }) => {
      const ready = [...calls.deflections]
        .flatMap(([requestIdentifier, d]) =>
          d.order !== undefined && d.order > afterOrder ? [{ requestIdentifier, index: d.index, order: d.order, ...(d.afterCall ? { afterCall: true as const } : {}) }] : [],
        )
        .sort((a, b) => a.order - b.order);
      return Promise.resolve(ready.slice(0, max));
    },
    importDeflections: () => Promise.reject(ApplicationFailure.nonRetryable('these tests carry no version-2 state')),
    lookupContacts: ({ requestIdentifiers }) => {
      calls.lookups.push(requestIdentifiers);
      return Promise.resolve(
        requestIdentifiers.map((requestIdentifier) => {
          const index = script.staged?.[requestIdentifier];
          const outcome = script.outcomes?.[requestIdentifier];
          const deflecting = calls.deflections.has(requestIdentifier) ? { deflecting: true as const } : {};
          return index === undefined ? { requestIdentifier, staged: false } : { requestIdentifier, index, staged: true, ...(outcome && { outcome }), ...deflecting };
        }),
      );
    },
  };
}

type Handle = Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;

interface Run {
  result?: CampaignResult;
  failure?: WorkflowFailedError;
  calls: Calls;
}

/**
 * Runs one campaign to its end on a worker of its own with the scripted activities; `steer`
 * acts on the running workflow before its result is awaited (time skips only while it is).
 */
async function runCampaign(
  script: Script,
  spec: Partial<CampaignSpecInput>,
  steer?: (handle: Handle, calls: Calls) => Promise<void>,
  workerOptions: { maxConcurrentActivityTaskExecutions?: number } = {},
): Promise<Run> {
  const taskQueue = `workflow-test-${randomUUID()}`;
  const campaignId = `wf-${randomUUID().slice(0, 8)}`;
  const calls = new Calls();
  const parsed = campaignSpecSchema.parse({
    campaignId,
    instanceId: 'instance-1',
    defaults: { QueueId: 'queue-1' },
    dialList: { kind: 'inline', entries: [{ RequestIdentifier: 'scripted', PhoneNumber: '+14155550100' }] },
    ...spec,
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: scriptedActivities(script, calls, taskQueue),
    ...workerOptions,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof campaign>('campaign', { taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ spec: parsed }] });
    await steer?.(handle, calls);
    try {
      return { result: await handle.result(), calls };
    } catch (err) {
      if (err instanceof WorkflowFailedError) return { failure: err, calls };
      throw err;
    }
  });
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function completed(run: Run): CampaignResult {
  const message = run.failure?.cause?.message ?? run.failure?.message ?? '';
  // The test server skips to the 10-year execution timeout when nothing can ever wake the workflow.
  const hint = /timed out/i.test(message) ? ' (the workflow waited with no timer and nothing left to wake it: a lost wake-up)' : '';
  assert.ok(run.result, `the campaign failed: ${message}${hint}`);
  return run.result;
}

async function deflectionAnswer(handle: Handle, answerId: string): Promise<DeflectAnswer> {
  return eventually(`the answer to deflection ${answerId}`, async () => {
    const state = await handle.query(deflectionAnswerQuery, answerId);
    return state.state === 'answered' ? state.answer : undefined;
  });
}

/** Activity cancellations in the campaign's history: requested, and ended (ActivityTaskCanceled). */
async function batchCancellations(handle: Handle): Promise<{ requested: number; ended: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    requested: events.filter((e) => e.activityTaskCancelRequestedEventAttributes).length,
    ended: events.filter((e) => e.activityTaskCanceledEventAttributes).length,
  };
}

/** The backlog tests' campaign: 100 batches of 25 at a shared rate of 10/s, 60 of them scheduled ahead. */
const backlog = { total: 2_500, sharedRate: 10 };
const backlogSpec: Partial<CampaignSpecInput> = { pacing: { batchSize: 25, batchesInFlight: 4, scheduleAheadSeconds: 6, adaptive: true } };

describe('campaign workflow on scripted activities (time-skipping)', () => {
  test('a throttled entry is re-sent at the pace, not after its own backoff: five throttles, six sends 500 ms apart at 2 batches/s', async () => {
    const run = await runCampaign(
      { total: 3, answer: (i, send) => (i === 1 && send <= 5 ? 'REQUEST_THROTTLED' : 'CREATED') },
      { pacing: { batchSize: 25, batchesInFlight: 1, batchesPerSecond: 2, adaptive: false } },
    );
    const result = completed(run);
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.outcomes, { ...result.outcomes, CREATED: 3, FAILED: 0 });
    assert.equal(run.calls.sends(1), 6, 'five throttles, then CREATED on the sixth send');
    assert.equal(run.calls.batches.length, 6);
    assert.equal(result.retries, 5);
    assert.equal(run.calls.recordFailed.length, 0);
    // At the pace: one batch start per 500 ms (a second's worth banked), where a per-entry
    // backoff waited between half and all of 1, 2, 4, 8, 16 s (15.5 s at least).
    const waitedMs = run.calls.batches[5]!.scheduledMs - run.calls.batches[0]!.scheduledMs;
    assert.ok(waitedMs <= 3_000, `workflow time between the first and the last send: ${waitedMs} ms`);
  });

  test('throttled entries go out in the next batch, ahead of fresh entries', async () => {
    const run = await runCampaign(
      { total: 5, answer: (i, send) => (i === 0 && send === 1 ? 'REQUEST_THROTTLED' : 'CREATED') },
      { pacing: { batchSize: 2, batchesInFlight: 1, adaptive: false } },
    );
    completed(run);
    assert.deepEqual(
      run.calls.batches.map((b) => b.entries.map(([i]) => i)),
      [
        [0, 1],
        [0, 2],
        [3, 4],
      ],
    );
  });

  test('85% of entries throttled at random: the pace keeps 10 batches/s instead of pinning, and every entry ends CREATED', async () => {
    // A fixed pseudo-random draw per (entry, send): 85% of sends throttled.
    const draw = (i: number, send: number): number => (((i + 1) * 2_654_435_761 + send * 40_503) % 1_000_003) / 1_000_003;
    // One batch in flight: no answer cancels a pacing timer (a timer cancelled after it fired
    // strands the time-skipping server's run, temporalio/sdk-java#3088).
    const run = await runCampaign(
      { total: 200, answer: (i, send) => (draw(i, send) < 0.85 ? 'REQUEST_THROTTLED' : 'CREATED') },
      { pacing: { batchSize: 25, batchesInFlight: 1, batchesPerSecond: 10, adaptive: true } },
    );
    const result = completed(run);
    assert.equal(result.outcomes.CREATED, 200, `outcomes ${JSON.stringify(result.outcomes)}`);
    assert.equal(result.outcomes.FAILED, 0);
    const starts = run.calls.batches.map((b) => b.scheduledMs).sort((a, b) => a - b);
    const gaps = starts.slice(1).map((at, k) => at - starts[k]!);
    const spanS = (starts.at(-1)! - starts[0]!) / 1000;
    // About 200 / 0.15 ≈ 1,300 sends ≈ 55 full batches and a tail: ~7 s at 10/s; pinned at 30 s a batch it took hours.
    assert.ok(Math.max(...gaps) < 1_000, `the longest gap between batch starts: ${Math.max(...gaps)} ms`);
    assert.ok(spanS < (2 * run.calls.batches.length) / 10, `${run.calls.batches.length} batches over ${spanS} s of workflow time`);
  });

  test('a permanent code ends FAILED at once: one send, recordFailed once with the code', async () => {
    const run = await runCampaign({ total: 10, answer: (i) => (i === 4 ? 'INVALID_QUEUE' : 'CREATED') }, {});
    const result = completed(run);
    assert.equal(result.outcomes.CREATED, 9);
    assert.equal(result.outcomes.FAILED, 1);
    assert.deepEqual(result.byFailureCode, { INVALID_QUEUE: 1 });
    assert.equal(run.calls.batches.length, 1);
    assert.equal(run.calls.sends(4), 1);
    assert.equal(run.calls.recordFailed.length, 1);
    assert.deepEqual(
      run.calls.recordFailed[0]?.map((e) => [e.index, e.code]),
      [[4, 'INVALID_QUEUE']],
    );
  });

  test('an unknown code is retried along the unknown lane (3 sends), then FAILED with that code', async () => {
    const run = await runCampaign({ total: 2, answer: (i) => (i === 0 ? 'SOMETHING_NEW' : 'CREATED') }, {});
    const result = completed(run);
    assert.equal(run.calls.sends(0), 3);
    assert.equal(run.calls.sends(1), 1);
    assert.equal(result.outcomes.FAILED, 1);
    assert.deepEqual(result.byFailureCode, { SOMETHING_NEW: 1 });
    assert.deepEqual(
      run.calls.recordFailed.flat().map((e) => [e.index, e.code]),
      [[0, 'SOMETHING_NEW']],
    );
  });

  test('each lane spends its own budget: 3 throttles then an INTERNAL_ERROR is still retried; 4 INTERNAL_ERRORs give up', async () => {
    const answer = (i: number, send: number): EntryAnswer => {
      if (i === 0) return send <= 3 ? 'REQUEST_THROTTLED' : send === 4 ? 'INTERNAL_ERROR' : 'CREATED';
      if (i === 1) return 'INTERNAL_ERROR';
      return 'CREATED';
    };
    const run = await runCampaign({ total: 3, answer }, {});
    const result = completed(run);
    assert.equal(run.calls.sends(0), 5, 'entry 0: 3 throttled + 1 internal + CREATED');
    assert.equal(run.calls.sends(1), 4, 'entry 1: the internal lane allows 4 sends');
    assert.equal(result.outcomes.CREATED, 2);
    assert.equal(result.outcomes.FAILED, 1);
    assert.deepEqual(result.byFailureCode, { INTERNAL_ERROR: 1 });
    assert.equal(result.retries, 4 + 3);
  });

  test('a batch Connect refuses as invalid is split in halves until the culprit is alone', async () => {
    const invalid = (indices: number[]) =>
      indices.includes(5) ? ApplicationFailure.create({ type: 'ConnectInvalidRequest', message: 'InvalidRequestException: bad entry', nonRetryable: true }) : undefined;
    const run = await runCampaign({ total: 8, callFailure: invalid }, { pacing: { batchSize: 8, batchesInFlight: 1, adaptive: true } });
    const result = completed(run);
    // [0-7] ✗ → [0-3] ✓ [4-7] ✗ → [4,5] ✗ [6,7] ✓ → [4] ✓ [5] ✗
    assert.deepEqual(
      run.calls.batches.map((b) => b.entries.map(([i]) => i)),
      [[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3], [4, 5, 6, 7], [4, 5], [6, 7], [4], [5]],
    );
    assert.equal(result.outcomes.CREATED, 7);
    assert.equal(result.outcomes.FAILED, 1);
    assert.deepEqual(result.byFailureCode, { INVALID_REQUEST: 1 });
    assert.deepEqual(
      run.calls.recordFailed.flat().map((e) => [e.index, e.code]),
      [[5, 'INVALID_REQUEST']],
    );
  });

  test('pacing.batchesPerSecond spaces batch starts: 20 starts at 2 per second span 9-11 s of workflow time, none of it waited', async () => {
    const started = Date.now();
    const run = await runCampaign({ total: 20 }, { pacing: { batchSize: 1, batchesInFlight: 10, batchesPerSecond: 2, adaptive: false } });
    completed(run);
    const starts = run.calls.batches.map((b) => b.scheduledMs);
    assert.equal(starts.length, 20);
    const first = Math.min(...starts);
    const perSecond = new Map<number, number>();
    for (const at of starts) perSecond.set(Math.floor((at - first) / 1000), (perSecond.get(Math.floor((at - first) / 1000)) ?? 0) + 1);
    // 2 a second, and at most one more that StartBudget banked for a late timer (src/domain/start-budget.ts).
    assert.ok(
      [...perSecond.values()].every((n) => n <= 3),
      `starts per second of workflow time: ${JSON.stringify([...perSecond])}`,
    );
    const spanMs = Math.max(...starts) - first;
    assert.ok(spanMs >= 9_000 && spanMs < 11_000, `20 starts at 2/s span ${spanMs} ms of workflow time`);
    assert.ok(Date.now() - started < spanMs, `wall time ${Date.now() - started} ms`);
  });

  test('pause holds new batches with nothing in flight; resume runs to completion', async () => {
    const first = gate();
    const run = await runCampaign(
      { total: 100, hold: (seq) => (seq === 1 ? first.opened : undefined) },
      { pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true } },
      async (handle, calls) => {
        await eventually('batch 1 in flight', () => calls.batches.length === 1);
        await handle.signal(pauseSignal, { reason: 'lunch' });
        first.open();
        const paused = await eventually('PAUSED with nothing in flight', async () => {
          const p = await handle.query(progressQuery);
          return p.status === 'PAUSED' && p.batchesInFlight === 0 ? p : undefined;
        });
        assert.equal(paused.pauseReason, 'lunch');
        assert.equal(calls.batches.length, 1, 'no batch starts while paused');
        await handle.signal(resumeSignal);
      },
    );
    const result = completed(run);
    assert.equal(result.outcomes.CREATED, 100);
    assert.equal(run.calls.batches.length, 4);
  });

  test('cancel: the batch in flight settles, the held and unread entries go to cancelRemaining', async () => {
    const first = gate();
    const run = await runCampaign(
      { total: 250, hold: (seq) => (seq === 1 ? first.opened : undefined) },
      { pacing: { batchSize: 10, batchesInFlight: 1, adaptive: true } },
      async (handle, calls) => {
        await eventually('batch 1 in flight', () => calls.batches.length === 1);
        await handle.signal(cancelSignal, { reason: 'wrong list' });
        first.open();
      },
    );
    const result = completed(run);
    assert.equal(result.status, 'CANCELLED');
    assert.equal(result.reason, 'wrong list');
    assert.equal(run.calls.batches.length, 1);
    assert.equal(run.calls.cancelRemaining.length, 1);
    const unsent = run.calls.cancelRemaining[0]!;
    // The first page is 100 entries (at least 100 are read at a time); batch 1 took 0-9.
    assert.deepEqual(
      [...unsent.held].sort((a, b) => a - b),
      Array.from({ length: 90 }, (_, k) => 10 + k),
    );
    assert.equal(unsent.fromIndex, 100);
    assert.deepEqual(unsent.skip, []);
    assert.equal(result.outcomes.CREATED, 10);
    assert.equal(result.outcomes.CANCELLED, 240);
  });

  test('at a shared rate of 10/s the campaign keeps 6 s of calls scheduled: 60 batches, not batchesInFlight, and no gap of its own at that rate', async () => {
    const held = gate();
    const run = await runCampaign(
      { ...backlog, hold: () => held.opened },
      { pacing: { batchSize: 25, batchesInFlight: 4, scheduleAheadSeconds: 6, batchesPerSecond: 10, adaptive: true } },
      async (handle, calls) => {
        try {
          await eventually('60 batches scheduled', () => calls.batches.length === 60);
          // Nothing more while all 60 wait: the window is full.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          assert.equal(calls.batches.length, 60, 'the window holds 60 batches');
          const progress = await handle.query(progressQuery);
          assert.equal(progress.batchesInFlight, 60);
        } finally {
          held.open(); // a failure must not leave the worker waiting for held calls
        }
      },
    );
    const result = completed(run);
    assert.equal(result.outcomes.CREATED, 2_500);
    assert.deepEqual(
      run.calls.batches.map((b) => b.seq).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, k) => k + 1),
    );
  });

  test('with 60 batches scheduled ahead the list is read in pages of at least half the window (750 entries), not a page after nearly every batch', async () => {
    // Each call takes 200 ms, so the window stays full and what the run holds stays near its bound (3,000).
    const run = await runCampaign({ total: 12_000, sharedRate: 10, hold: () => new Promise((resolve) => setTimeout(resolve, 200)) }, backlogSpec);
    const result = completed(run);
    assert.equal(result.outcomes.CREATED, 12_000);
    assert.equal(run.calls.sentIndices().size, 12_000);
    // 3,000 first, then 750 or more a page (at most 13 reads). Before, a page of a few batches followed every few launches.
    const { pages } = run.calls;
    const sizes = pages.slice(1).map((from, k) => from - (pages[k] ?? 0));
    assert.ok(
      sizes.every((entries) => entries >= 750),
      `every page but the last reads at least half the window (750 entries); read: ${sizes.join(', ')}`,
    );
    assert.ok(pages.length <= 13, `${pages.length} page reads for 480 batches`);
  });

  test('pause cancels at once the batches scheduled beyond batchesInFlight that have not started; resume sends them again under their own seq', async () => {
    const held = gate();
    let history: { canceled: number; paused: number } | undefined;
    const run = await runCampaign(
      { ...backlog, hold: (seq) => (seq <= 5 ? held.opened : undefined) },
      backlogSpec,
      async (handle, calls) => {
        // This worker runs 5 calls at a time: batches 1-5 start (and are held), 6-60 wait on the queue.
        try {
          await eventually('batches 1-5 started', () => calls.batches.length === 5);
          await handle.signal(pauseSignal, { reason: 'lunch' });
          history = await eventually('55 batches cancelled while 1-5 are still held', async () => {
            const { ended: canceled } = await batchCancellations(handle);
            return canceled === 55 ? { canceled, paused: calls.batches.length } : undefined;
          });
        } finally {
          held.open();
        }
        await eventually('PAUSED with nothing in flight', async () => {
          const p = await handle.query(progressQuery);
          return p.status === 'PAUSED' && p.batchesInFlight === 0 ? p : undefined;
        });
        assert.equal(calls.batches.length, 5, 'no batch starts while paused');
        await handle.signal(resumeSignal);
      },
      { maxConcurrentActivityTaskExecutions: 5 },
    );
    const result = completed(run);
    assert.deepEqual(history, { canceled: 55, paused: 5 });
    assert.equal(result.outcomes.CREATED, 2_500);
    // Every seq once: the cancelled batches 6-60 went again with their own numbers (so tokens).
    const seqs = run.calls.batches.map((b) => b.seq);
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, k) => k + 1),
    );
    assert.equal(result.batchesSent, 100);
    assert.equal(result.retries, 0);
  });

  test('cancel: the batches scheduled beyond batchesInFlight that have not started are cancelled at once and their entries CANCELLED; started ones settle', async () => {
    const held = gate();
    const run = await runCampaign(
      { ...backlog, hold: (seq) => (seq <= 5 ? held.opened : undefined) },
      backlogSpec,
      async (handle, calls) => {
        try {
          await eventually('batches 1-5 started', () => calls.batches.length === 5);
          await handle.signal(cancelSignal, { reason: 'wrong list' });
          await eventually('55 batches cancelled while 1-5 are still held', async () => {
            return (await batchCancellations(handle)).ended === 55;
          });
        } finally {
          held.open();
        }
      },
      { maxConcurrentActivityTaskExecutions: 5 },
    );
    const result = completed(run);
    assert.equal(result.status, 'CANCELLED');
    assert.equal(run.calls.batches.length, 5);
    assert.equal(result.outcomes.CREATED, 125);
    assert.equal(result.outcomes.CANCELLED, 2_375);
    const unsent = run.calls.cancelRemaining[0]!;
    // Held: the 55 cancelled batches' entries (125-1499) and the rest of the page read (1500-2499 is unread or held).
    assert.ok(
      Array.from({ length: 1_375 }, (_, k) => 125 + k).every((i) => unsent.held.includes(i)),
      `held ${unsent.held.length} entries from ${Math.min(...unsent.held)}`,
    );
  });

  test('a deflection racing its batch in flight is accepted, and the SMS follows the call (afterCall)', async () => {
    const first = gate();
    const run = await runCampaign(
      { total: 30, hold: (seq) => (seq === 1 ? first.opened : undefined), staged: { 'c-3': 3 } },
      {
        pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true },
        chat: { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms' },
      },
      async (handle, calls) => {
        await eventually('batch 1 in flight', () => calls.batches.length === 1);
        await handle.signal(deflectToChatSignal, { requestIdentifiers: ['c-3'], answerId: 'race' });
        assert.deepEqual(await deflectionAnswer(handle, 'race'), { accepted: ['c-3'], refused: [] });
        first.open();
      },
    );
    const result = completed(run);
    assert.equal(run.calls.sends(3), 1, 'entry 3 was dialled once, in the batch it was in');
    assert.deepEqual(run.calls.chats, [{ index: 3, afterCall: 'voice-contact' }]);
    assert.equal(result.outcomes.CREATED, 29);
    assert.equal(result.outcomes.DEFLECTED, 1);
    assert.equal(run.calls.batches.length, 2);
  });

  test('a deflection arriving while its batch records its FAILED entries is sent after the call, not parked for an answer already taken in', async () => {
    const recording = gate();
    const run = await runCampaign(
      {
        total: 30,
        // Batch 1: entry 4 fails for good, so the batch waits on recordFailed with entry 3 already CREATED.
        answer: (i) => (i === 4 ? 'INVALID_QUEUE' : 'CREATED'),
        holdRecordFailed: () => recording.opened,
        staged: { 'c-3': 3 },
        outcomes: { 'c-3': 'CREATED' },
      },
      {
        pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true },
        chat: { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms' },
      },
      async (handle, calls) => {
        await eventually('batch 1 recording its FAILED entry', () => calls.recordFailed.length === 1);
        await handle.signal(deflectToChatSignal, { requestIdentifiers: ['c-3'], answerId: 'late' });
        assert.deepEqual(await deflectionAnswer(handle, 'late'), { accepted: ['c-3'], refused: [] });
        recording.open();
      },
    );
    const result = completed(run);
    assert.deepEqual(run.calls.chats, [{ index: 3, afterCall: 'voice-contact' }], 'the accepted deflection was sent, after the call');
    assert.equal(result.outcomes.DEFLECTED, 1);
    assert.equal(result.outcomes.FAILED, 1);
    assert.equal(result.outcomes.CREATED, 28);
  });

  test('continue-as-new every 4 batches carries a retry in its lane and a deflection of an unread entry', async () => {
    const first = gate();
    const run = await runCampaign(
      {
        total: 301,
        hold: (seq) => (seq === 1 ? first.opened : undefined),
        // Entry 99 is in batch 4, the last of the first run: its retry waits in a lane across the new run.
        answer: (i, send) => (i === 99 && send === 1 ? 'REQUEST_THROTTLED' : 'CREATED'),
        staged: { 'c-290': 290 },
      },
      {
        pacing: { batchSize: 25, batchesInFlight: 1, adaptive: false },
        lanes: { throttled: { initialBackoffMs: 0, maxBackoffMs: 0 } },
        continueAsNewAfterBatches: 4,
        chat: { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms' },
      },
      async (handle, calls) => {
        await eventually('batch 1 in flight', () => calls.batches.length === 1);
        await handle.signal(deflectToChatSignal, { requestIdentifiers: ['c-290'], answerId: 'unread' });
        assert.deepEqual(await deflectionAnswer(handle, 'unread'), { accepted: ['c-290'], refused: [] });
        first.open();
      },
    );
    const result = completed(run);
    // 300 entries dialled plus one resend: 12 full batches and one of 1, 4 per run.
    assert.equal(run.calls.batches.length, 13);
    assert.equal(result.batchesSent, 13);
    assert.equal(result.runs, 4);
    assert.equal(run.calls.sends(99), 2);
    assert.ok(
      run.calls.batches[4]!.entries.some(([i, send]) => i === 99 && send === 2),
      'the carried retry leads the first batch of run 2',
    );
    assert.equal(run.calls.sends(290), 0, 'the deflected entry is never dialled');
    assert.deepEqual(run.calls.chats, [{ index: 290, afterCall: undefined }]);
    assert.equal(result.outcomes.CREATED, 300);
    assert.equal(result.outcomes.DEFLECTED, 1);
    assert.equal(result.retries, 1);
  });

  test('a 403 from Connect pauses the campaign with what to fix; after the fix, resume sends the held batch under its own seq and completes', async () => {
    let denied = true;
    const refusal = () =>
      denied
        ? ApplicationFailure.create({ type: 'ConnectAccessDenied', message: 'AccessDeniedException: not authorized to perform connect:BatchPutContact', nonRetryable: true })
        : undefined;
    const run = await runCampaign({ total: 100, callFailure: refusal }, { pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true } }, async (handle, calls) => {
      const paused = await eventually('the campaign to pause', async () => {
        const p = await handle.query(progressQuery);
        return p.status === 'PAUSED' ? p : undefined;
      });
      assert.match(paused.pauseReason ?? '', /AccessDeniedException: not authorized to perform connect:BatchPutContact; then `connect-dialer resume --campaign-id wf-/);
      assert.equal(paused.retrying, 25, 'the refused batch is held, not failed');
      assert.equal(calls.batches.length, 1, 'one call, then nothing while paused');
      denied = false; // the operator fixes the IAM policy
      await handle.signal(resumeSignal);
    });
    const result = completed(run);
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.outcomes.CREATED, 100);
    assert.deepEqual(
      run.calls.batches.map((b) => b.seq),
      [1, 1, 2, 3, 4],
      'the held batch goes again as batch 1 (its client token), then the rest',
    );
    assert.deepEqual(run.calls.batches[1]!.entries, run.calls.batches[0]!.entries, 'the same entries and sends');
    assert.equal(result.batchesSent, 4);
    assert.deepEqual(run.calls.recordFailed, []);
    assert.deepEqual(run.calls.cancelRemaining, []);
    for (let i = 0; i < 100; i++) assert.ok(run.calls.sends(i) >= 1, `entry ${i} sent`);
  });

  test('a 403 cancels at once the batches scheduled behind the refused one that have not started; resume sends each seq again and completes', async () => {
    let denied = true;
    const refusal = () =>
      denied
        ? ApplicationFailure.create({ type: 'ConnectAccessDenied', message: 'AccessDeniedException: not authorized to perform connect:BatchPutContact', nonRetryable: true })
        : undefined;
    const held = gate();
    let cancelled: { requested: number; ended: number; startedBehind: number } | undefined;
    const run = await runCampaign(
      { ...backlog, callFailure: refusal, hold: (seq) => (seq >= 2 ? held.opened : undefined) },
      backlogSpec,
      async (handle, calls) => {
        // This worker runs 5 calls at a time: batch 1 is refused, 2-5 start (held until the gate
        // opens), 6-60 wait on the queue; the slot batch 1 frees may take batch 6 before the pause.
        try {
          await eventually('the campaign to pause', async () => (await handle.query(progressQuery)).status === 'PAUSED');
          cancelled = await eventually('6-60 cancelled, the unstarted ones at once, while 2-5 are still held', async () => {
            const { requested, ended } = await batchCancellations(handle);
            const startedBehind = calls.batches.filter((b) => b.seq >= 6).length;
            return requested === 55 && ended === 55 - startedBehind ? { requested, ended, startedBehind } : undefined;
          });
        } finally {
          held.open(); // the started ones are refused too, and held
        }
        await eventually('nothing in flight', async () => (await handle.query(progressQuery)).batchesInFlight === 0);
        assert.equal(calls.batches.length, 5 + cancelled.startedBehind, 'no cancelled batch that had not started was called');
        denied = false; // the operator fixes the IAM policy
        await handle.signal(resumeSignal);
      },
      { maxConcurrentActivityTaskExecutions: 5 },
    );
    const result = completed(run);
    assert.ok(cancelled && cancelled.startedBehind <= 1, `cancelled: ${JSON.stringify(cancelled)}`);
    assert.equal(result.outcomes.CREATED, 2_500);
    assert.deepEqual(run.calls.recordFailed, []);
    // Every seq answered once after the fix: the held and cancelled ones under their own numbers, so tokens.
    const seqs = new Set(run.calls.batches.map((b) => b.seq));
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, k) => k + 1),
    );
    assert.equal(result.batchesSent, 100);
  });

  test('cancel from a pause for a 404 ends the campaign: the held batch and the unread entries CANCELLED, none FAILED', async () => {
    const missing = () => ApplicationFailure.create({ type: 'ConnectResourceNotFound', message: 'ResourceNotFoundException: no instance instance-1', nonRetryable: true });
    const run = await runCampaign({ total: 100, callFailure: missing }, { pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true } }, async (handle) => {
      await eventually('the campaign to pause', async () => (await handle.query(progressQuery)).status === 'PAUSED');
      await handle.signal(cancelSignal, { reason: 'wrong instance' });
    });
    const result = completed(run);
    assert.equal(result.status, 'CANCELLED');
    assert.equal(run.calls.batches.length, 1);
    assert.equal(result.outcomes.FAILED, 0);
    assert.equal(result.outcomes.CANCELLED, 100);
    assert.equal(run.calls.cancelRemaining.length, 1);
    const unsent = new Set(run.calls.cancelRemaining[0]!.held);
    const refused = run.calls.batches[0]!.entries.map(([i]) => i);
    assert.deepEqual(
      refused.filter((i) => !unsent.has(i)),
      [],
      "the held batch's entries are among the unsent",
    );
  });
});
