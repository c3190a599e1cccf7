import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { packEntries, packIndices, unpackEntries, unpackIndices, type BatchEntry } from '../src/domain/batch';
import { campaignSpecSchema } from '../src/domain/campaign';
import { batchClientToken, chatClientToken, fnv1a64, isOutboundRequestToken, outboundRequestClientToken } from '../src/domain/client-token';
import { fairnessKeyFor, MAX_FAIRNESS_KEY_BYTES } from '../src/domain/connect-queues';
import { toContactDataRequest } from '../src/domain/contact-entry';
import { checkEntry } from '../src/domain/entry-validation';
import {
  addLaneFailure,
  backoffMs,
  decideLane,
  defaultLanePolicies,
  laneFor,
  MAX_SENDS_PER_ENTRY,
  MAX_SENDS_PER_ENTRY_WITH_BACKOFF,
  pacedLanePolicies,
  resolveLanePolicies,
  slowsPace,
  type LaneFailures,
} from '../src/domain/lane-policies';
import { batchGapMs, initialPace, paceAfterAnswer, paceAfterBatch, type PaceState, type Pacing } from '../src/domain/pace';
import { StartBudget } from '../src/domain/start-budget';
import { historyFull, RUN_HISTORY_BYTES, RUN_HISTORY_EVENTS, smallestPage } from '../src/domain/run-length';
import { nextDue, splitBatch, takeBatch, type LaneItem } from '../src/domain/batch-assembly';
import { randomUUID } from 'node:crypto';
import {
  CARRIED_STATE_BUDGET_BYTES,
  heldEntriesBound,
  jsonBytes,
  MAX_CARRIED_ANSWER_BYTES,
  MAX_HELD_ENTRIES,
  packBatchItems,
  packLanes,
  unpackBatchItems,
  unpackLanes,
  utf8Length,
} from '../src/domain/carried-budget';
import { MAX_DEFLECT_SIGNAL_BYTES, splitDeflectRequest } from '../src/domain/deflection';
import { DeflectionAnswers } from '../src/domain/deflection-answers';
import { carriedOrInitial, initialState, toCarried, type CarriedStateV2 } from '../src/workflows/campaign-state';

describe('client tokens', () => {
  test('depend only on the workflow id and the batch number', () => {
    assert.equal(batchClientToken('campaign-a', 17), batchClientToken('campaign-a', 17));
    assert.notEqual(batchClientToken('campaign-a', 17), batchClientToken('campaign-a', 18));
    assert.notEqual(batchClientToken('campaign-a', 17), batchClientToken('campaign-b', 17));
    assert.equal(batchClientToken('campaign-a', 17), 'campaign-a/batch/17');
    assert.equal(chatClientToken('campaign-a', 'r1'), 'campaign-a/chat/r1');
  });
  test('v2 request tokens: one per entry and send, within 200 characters of [a-zA-Z0-9_-.], readable, distinct', () => {
    assert.equal(outboundRequestClientToken('campaign-spring.2025', 17, 1), `campaign-spring.2025.e17.s1.${outboundRequestClientToken('campaign-spring.2025', 17, 1).slice(-16)}`);
    assert.equal(outboundRequestClientToken('campaign-a', 17, 1), outboundRequestClientToken('campaign-a', 17, 1), 'a retry or replay resends the same token');
    assert.notEqual(outboundRequestClientToken('campaign-a', 17, 1), outboundRequestClientToken('campaign-a', 17, 2), 'a re-send gets a new token');
    assert.notEqual(outboundRequestClientToken('campaign-a', 17, 1), outboundRequestClientToken('campaign-a', 18, 1));
    // Ids that read alike once their disallowed characters are replaced stay apart.
    assert.notEqual(outboundRequestClientToken('campaign-a/b', 1, 1), outboundRequestClientToken('campaign-a:b', 1, 1));
    for (const id of ['campaign-x', 'campaign-ünïcode/with spaces:and#hash', `campaign-${'z'.repeat(300)}`, 'campaign-a', '']) {
      for (const [index, send] of [
        [0, 1],
        [999_999, 50],
      ] as const) {
        const token = outboundRequestClientToken(id, index, send);
        assert.ok(isOutboundRequestToken(token), `${token} (${token.length} characters) fits the model`);
      }
    }
    assert.equal(outboundRequestClientToken(`campaign-${'z'.repeat(300)}`, 999_999, 50).length, 200);
  });
  test('stay within 500 characters and distinct for long ids', () => {
    const a = batchClientToken('x'.repeat(600), 1);
    const b = batchClientToken('x'.repeat(599) + 'y', 1);
    assert.equal(a.length, 500);
    assert.notEqual(a, b);
  });
});

describe('failure lanes', () => {
  test('map codes to lanes as docs/architecture.md says', () => {
    assert.equal(laneFor('REQUEST_THROTTLED'), 'throttled');
    assert.equal(laneFor('INTERNAL_ERROR'), 'internal');
    assert.equal(laneFor('IDEMPOTENCY_EXCEPTION'), 'idempotency');
    assert.equal(laneFor('INVALID_QUEUE'), 'permanent');
    assert.equal(laneFor('MISSING_CAMPAIGN'), 'permanent');
    assert.equal(laneFor('SOMETHING_NEW'), 'unknown');
    // Outbound Campaigns v2 codes take the same lanes, and a full buffer its own.
    assert.equal(laneFor('RequestThrottled'), 'throttled');
    assert.equal(laneFor('UnknownError'), 'internal');
    assert.equal(laneFor('InvalidInput'), 'permanent');
    assert.equal(laneFor('BufferLimitExceeded'), 'buffer');
    assert.deepEqual(['REQUEST_THROTTLED', 'RequestThrottled', 'BufferLimitExceeded', 'INTERNAL_ERROR', 'InvalidInput'].filter(slowsPace), [
      'REQUEST_THROTTLED',
      'RequestThrottled',
      'BufferLimitExceeded',
    ]);
  });
  test('permanent and idempotency failures are never retried; throttles are, until the lane gives up', () => {
    assert.equal(decideLane('INVALID_QUEUE', 1, {}, defaultLanePolicies, 0.5).retry, false);
    assert.equal(decideLane('IDEMPOTENCY_EXCEPTION', 1, {}, defaultLanePolicies, 0.5).retry, false);
    assert.equal(decideLane('REQUEST_THROTTLED', 1, {}, defaultLanePolicies, 0.5).retry, true);
    assert.equal(decideLane('REQUEST_THROTTLED', 20, { throttled: 19 }, defaultLanePolicies, 0.5).retry, false);
    assert.equal(decideLane('SOMETHING_NEW', 2, { unknown: 1 }, defaultLanePolicies, 0.5).retry, true);
    assert.equal(decideLane('SOMETHING_NEW', 3, { unknown: 2 }, defaultLanePolicies, 0.5).retry, false);
  });
  test('each lane spends its own budget: three throttles leave the internal lane all 4 sends', () => {
    // Throttled three times, then INTERNAL_ERROR: the internal lane (4 sends) has seen 1 failure.
    let failures: LaneFailures = {};
    for (let i = 0; i < 3; i++) failures = addLaneFailure(failures, 'REQUEST_THROTTLED');
    assert.deepEqual(failures, { throttled: 3 });
    const first = decideLane('INTERNAL_ERROR', 4, failures, defaultLanePolicies, 0.5);
    assert.equal(first.retry, true, `the first INTERNAL_ERROR after 3 throttles must be retried: ${JSON.stringify(first)}`);
    failures = addLaneFailure(failures, 'INTERNAL_ERROR');
    failures = addLaneFailure(failures, 'INTERNAL_ERROR');
    failures = addLaneFailure(failures, 'INTERNAL_ERROR');
    const fourth = decideLane('INTERNAL_ERROR', 7, failures, defaultLanePolicies, 0.5);
    assert.deepEqual(fourth, { retry: false, lane: 'internal', why: 'gave up after 4 internal failures (7 sends in all)' });
  });
  test('the ceiling of sends per entry stops an entry whose lanes would go on', () => {
    const atPace = { retryAtPace: true };
    const d = decideLane('REQUEST_THROTTLED', MAX_SENDS_PER_ENTRY, { throttled: 2 }, pacedLanePolicies, 0.5, atPace);
    assert.deepEqual(d, { retry: false, lane: 'throttled', why: `gave up after ${MAX_SENDS_PER_ENTRY} sends in all (the ceiling per entry)` });
    assert.equal(decideLane('REQUEST_THROTTLED', MAX_SENDS_PER_ENTRY - 1, { throttled: 2 }, pacedLanePolicies, 0.5, atPace).retry, true);
    // Campaigns started before retries at the pace keep their ceiling of 50.
    assert.equal(decideLane('REQUEST_THROTTLED', MAX_SENDS_PER_ENTRY_WITH_BACKOFF, { throttled: 2 }, defaultLanePolicies, 0.5).retry, false);
  });
  test('at the pace, a throttled or buffer-full entry is due at once, up to 100 sends; other lanes keep their backoff', () => {
    const atPace = { retryAtPace: true };
    assert.deepEqual(decideLane('REQUEST_THROTTLED', 5, { throttled: 4 }, pacedLanePolicies, 0.5, atPace), { retry: true, lane: 'throttled', delayMs: 0 });
    assert.deepEqual(decideLane('BufferLimitExceeded', 40, { buffer: 39 }, pacedLanePolicies, 0.5, atPace), { retry: true, lane: 'buffer', delayMs: 0 });
    assert.deepEqual(decideLane('REQUEST_THROTTLED', 99, { throttled: 98 }, pacedLanePolicies, 0.5, atPace), { retry: true, lane: 'throttled', delayMs: 0 });
    assert.deepEqual(decideLane('REQUEST_THROTTLED', 100, { throttled: 99 }, pacedLanePolicies, 0.5, atPace), {
      retry: false,
      lane: 'throttled',
      why: 'gave up after 100 throttled failures (100 sends in all)',
    });
    // The internal lane's first retry still waits 1–2 s (2 s × full jitter).
    assert.deepEqual(decideLane('INTERNAL_ERROR', 1, {}, pacedLanePolicies, 0.5, atPace), { retry: true, lane: 'internal', delayMs: 1_500 });
    // Without the pace, the fifth throttle waits half to all of 16 s.
    assert.deepEqual(decideLane('REQUEST_THROTTLED', 5, { throttled: 4 }, defaultLanePolicies, 0.5), { retry: true, lane: 'throttled', delayMs: 12_000 });
  });
  test('backoff grows exponentially within its cap, with jitter', () => {
    const p = { maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2 };
    assert.equal(backoffMs(1, p, 0), 50);
    assert.equal(backoffMs(1, p, 0.999999), 100);
    assert.equal(backoffMs(3, p, 0), 200);
    assert.equal(backoffMs(10, p, 0), 500);
  });
  test('overrides merge over the defaults per lane', () => {
    const p = resolveLanePolicies({ throttled: { maxAttempts: 3 } });
    assert.equal(p.throttled.maxAttempts, 3);
    assert.equal(p.throttled.initialBackoffMs, defaultLanePolicies.throttled.initialBackoffMs);
  });
});

describe('batching', () => {
  test('due retries go first, then fresh entries, at most the batch size', () => {
    const lanes: LaneItem[] = [
      { index: 1, attempts: 1, lastCode: 'REQUEST_THROTTLED', notBefore: 100 },
      { index: 2, attempts: 1, lastCode: 'REQUEST_THROTTLED', notBefore: 5_000 },
    ];
    const queue = [3, 4, 5];
    const batch = takeBatch(lanes, queue, 3, 1_000);
    assert.deepEqual(
      batch.map((b) => b.index),
      [1, 3, 4],
    );
    assert.deepEqual(
      batch.map((b) => b.attempts),
      [1, 0, 0],
    );
    assert.equal(lanes.length, 1);
    assert.equal(queue.length, 1);
    assert.equal(nextDue(lanes), 5_000);
  });
  test('an invalid batch splits into halves down to single entries', () => {
    assert.deepEqual(splitBatch([1, 2, 3, 4, 5]), [
      [1, 2, 3],
      [4, 5],
    ]);
    assert.deepEqual(splitBatch([1]), [[1]]);
  });
});

/** 10 batches of 25 a second, one in flight: each answer arrives before the next start. */
const aimdPacing: Pacing = { batchSize: 25, batchesInFlight: 1, scheduleAheadSeconds: 0, batchesPerSecond: 10, adaptive: true };

/** Feeds the pace `batches` answers of full batches started one gap apart, throttled as `throttledOf` says; returns the pace and the gaps. */
function drive(
  start: PaceState,
  batches: number,
  throttledOf: (gapMs: number, i: number) => number,
  clock = { now: 0, seq: 1 },
  pacing = aimdPacing,
): { pace: PaceState; gaps: number[] } {
  let pace = start;
  const gaps: number[] = [];
  for (let i = 0; i < batches; i++) {
    const gap = batchGapMs(pacing, pace);
    gaps.push(gap);
    const seq = clock.seq++;
    pace = paceAfterAnswer(pace, { seq, startedAt: clock.now, sent: 25, throttled: throttledOf(gap, i) }, pacing, clock.seq);
    clock.now += gap;
  }
  return { pace, gaps };
}

/** 30% of each pair of batches throttled (7, then 8 of 25). */
const random30 = (_gapMs: number, i: number): number => (i % 2 === 0 ? 7 : 8);

function countOf(values: number[]): [number, number][] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts];
}

describe('pace', () => {
  test('slows down on throttling and creeps back when clean', () => {
    let pace = initialPace();
    pace = paceAfterBatch(pace, { throttled: 5, sent: 25, batchSize: 25 }, true); // 20% throttled: halfway toward 100 ms
    assert.equal(pace.delayMs, 50);
    pace = paceAfterBatch(pace, { throttled: 20, sent: 25, batchSize: 25 }, true); // 80%: overloaded, at least 500 ms
    assert.equal(pace.delayMs, 500);
    pace = paceAfterBatch(pace, { throttled: 25, sent: 25, batchSize: 25 }, true);
    assert.equal(pace.delayMs, 1000);
    pace = paceAfterBatch(pace, { throttled: 0, sent: 25, batchSize: 25 }, true);
    assert.equal(pace.delayMs, 800);
    for (let i = 0; i < 30; i++) pace = paceAfterBatch(pace, { throttled: 0, sent: 25, batchSize: 25 }, true);
    assert.equal(pace.delayMs, 0);
    assert.equal(paceAfterBatch(initialPace(), { throttled: 5, sent: 25, batchSize: 25 }, false).delayMs, 0);
  });

  test('a steady share of throttled entries settles on a steady gap instead of ratcheting up', () => {
    let pace = initialPace();
    for (let i = 0; i < 200; i++) pace = paceAfterBatch(pace, { throttled: i % 10 < 3 ? 8 : 7, sent: 25, batchSize: 25 }, true);
    assert.ok(pace.delayMs > 125 && pace.delayMs < 175, `about 30% of 0.5 s, got ${pace.delayMs}`);
    for (let i = 0; i < 20; i++) pace = paceAfterBatch(pace, { throttled: 25, sent: 25, batchSize: 25 }, true);
    assert.equal(pace.delayMs, 30_000, 'a hard limit drives it to the cap');
  });

  test('a small retry batch weighs in proportion to its size', () => {
    const full = paceAfterBatch(initialPace(), { throttled: 1, sent: 1, batchSize: 25 }, true);
    assert.ok(full.delayMs > 0 && full.delayMs <= 20, `one throttled entry of a 1-entry batch moves the gap a little, got ${full.delayMs}`);
    let pace = { delayMs: 1_000 };
    pace = paceAfterBatch(pace, { throttled: 0, sent: 5, batchSize: 25 }, true);
    assert.equal(pace.delayMs, 960, 'a clean batch of 5 of 25 shrinks it by a fifth of 20%');
    // 15% of full batches throttled, each followed by its retry of a few entries, all throttled again.
    for (let i = 0; i < 200; i++) {
      pace = paceAfterBatch(pace, { throttled: 4, sent: 25, batchSize: 25 }, true);
      pace = paceAfterBatch(pace, { throttled: 4, sent: 4, batchSize: 25 }, true);
    }
    assert.ok(pace.delayMs > 80 && pace.delayMs < 250, `retries do not ratchet the gap up, got ${pace.delayMs}`);
  });

  test('AIMD: 30% throttled at random costs one window at 7 batches/s, then runs at 10/s tolerating that share', () => {
    // 21 batches 100 ms apart make the first window (≥ 200 entries over ≥ 2 s): 30% throttled.
    let { pace, gaps } = drive(initialPace(), 21, random30);
    assert.deepEqual(new Set(gaps), new Set([100]));
    assert.equal(pace.delayMs, 43, '10/s × 0.7 accepted = 7/s: a 143 ms gap');
    assert.ok(pace.probe, 'the slow-down is a probe');
    // At 7/s still 30% throttled: the entries taken fell with the rate (175 → 122/s), so it is a background.
    ({ pace, gaps } = drive(pace, 15, random30, { now: 2_100, seq: 22 }));
    assert.deepEqual(new Set(gaps), new Set([143]));
    assert.equal(pace.delayMs, 0, 'back to 10 batches/s');
    assert.ok(Math.abs((pace.tolerated ?? 0) - 0.3) < 0.01, `tolerates about 30%, got ${pace.tolerated}`);
    // 300 batches: nearly all at 10/s.
    ({ gaps } = drive(initialPace(), 300, random30));
    assert.ok(gaps.filter((g) => g === 100).length >= 280, `gaps: ${JSON.stringify(countOf(gaps))}`);
  });

  test('AIMD: under a limit of 175 entries/s (7 batches) the rate settles between 7 and 8 batches/s, never tolerating the throttles', () => {
    const limit175 = (gapMs: number): number => Math.max(0, Math.round(25 - (175 * gapMs) / 1000));
    const { pace, gaps } = drive(initialPace(), 300, limit175);
    const late = gaps.slice(100);
    assert.ok(
      late.every((g) => g >= 120 && g <= 150),
      `gaps after 100 batches: ${JSON.stringify(countOf(late))}`,
    );
    assert.equal(pace.tolerated, undefined);
  });

  test('AIMD: 85% throttled at random keeps 10 batches/s (15% of 250 entries/s taken) instead of pinning at 30 s a batch', () => {
    const random85 = (_gapMs: number, i: number): number => (i % 4 === 0 ? 22 : 21);
    const { pace, gaps } = drive(initialPace(), 300, random85);
    assert.ok(gaps.filter((g) => g === 100).length >= 280, `gaps: ${JSON.stringify(countOf(gaps))}`);
    assert.ok(Math.abs((pace.tolerated ?? 0) - 0.85) < 0.01, `tolerates about 85%, got ${pace.tolerated}`);
    // The pace before the patch: a full batch ≥ 50% throttled doubles the gap, up to 30 s.
    let old = initialPace();
    for (let i = 0; i < 20; i++) old = paceAfterBatch(old, { throttled: random85(0, i), sent: 25, batchSize: 25 }, true);
    assert.equal(old.delayMs, 30_000);
  });

  test('AIMD: everything throttled is never a background: the gap climbs to 30 s, and clean windows bring it back', () => {
    let { pace, gaps } = drive(initialPace(), 200, () => 25);
    assert.equal(pace.delayMs, 30_000);
    assert.deepEqual(
      gaps.filter((_, i) => i % 10 === 0),
      [100, 100, 100, 200, 800, 1_600, 3_200, 6_400, 25_600, 30_100, 30_100, 30_100, 30_100, 30_100, 30_100, 30_100, 30_100, 30_100, 30_100, 30_100],
    );
    // Clean again: one window of 8 batches at 30.1 s, then 0.5 batches/s more per window (1.9 s, 968 ms, 652 ms …).
    ({ pace, gaps } = drive(pace, 400, () => 0, { now: 10_000_000, seq: 1_000 }));
    assert.deepEqual([gaps[8], gaps[16], gaps[24]], [1_875, 968, 652]);
    assert.equal(gaps.at(-1), 100, 'back to the configured 10 batches/s');
    // With no configured rate the gap is the pace's alone: 1 s → 667 ms → 500 ms, a window of 8 batches each.
    const unlimited = { ...aimdPacing, batchesPerSecond: undefined };
    ({ gaps } = drive({ delayMs: 1_000 }, 24, () => 0, undefined, unlimited));
    assert.deepEqual([gaps[0], gaps[8], gaps[16]], [1_000, 667, 500]);
  });

  test('AIMD: answers of batches started before a move are left out; not adaptive, nothing moves', () => {
    const moved: PaceState = { delayMs: 43, window: { fromSeq: 22, batches: 0, sent: 0, throttled: 0 } };
    assert.deepEqual(paceAfterAnswer(moved, { seq: 21, startedAt: 2_000, sent: 25, throttled: 25 }, aimdPacing, 23), moved);
    const counted = paceAfterAnswer(moved, { seq: 22, startedAt: 2_100, sent: 25, throttled: 5 }, aimdPacing, 23);
    assert.deepEqual(counted.window, { fromSeq: 22, firstStartAt: 2_100, lastStartAt: 2_100, batches: 1, sent: 25, throttled: 5 });
    const fixed = { ...aimdPacing, adaptive: false };
    assert.deepEqual(drive(initialPace(), 100, () => 25, undefined, fixed).pace, initialPace());
  });

  test('the gap between batch starts adds the configured rate and the adaptive delay', () => {
    assert.equal(batchGapMs({ batchSize: 25, batchesInFlight: 1, scheduleAheadSeconds: 0, batchesPerSecond: 4, adaptive: true }, { delayMs: 100 }), 350);
  });
});

describe('start budget', () => {
  test('one start per gap on average, a second of starts banked for a timer that fires late', () => {
    const budget = new StartBudget();
    assert.equal(budget.waitMs(250, 0), 0);
    budget.take(250, 0);
    assert.equal(budget.waitMs(250, 0), 250);
    assert.equal(budget.waitMs(250, 100), 150);
    // The timer fires a second late: the starts it skipped may go at once, up to a second's worth.
    let started = 0;
    while (budget.waitMs(250, 1_300) === 0) {
      budget.take(250, 1_300);
      started++;
    }
    assert.equal(started, 4);
    assert.equal(budget.waitMs(250, 1_300), 250);
    // Idle for a minute banks no more than a second's worth.
    started = 0;
    while (budget.waitMs(250, 61_300) === 0) {
      budget.take(250, 61_300);
      started++;
    }
    assert.equal(started, 4);
  });

  test('a gap over a second banks one start; no gap never waits', () => {
    const slow = new StartBudget();
    slow.take(5_000, 0);
    assert.equal(slow.waitMs(5_000, 60_000), 0);
    slow.take(5_000, 60_000);
    assert.equal(slow.waitMs(5_000, 60_000), 5_000);
    const free = new StartBudget();
    for (let i = 0; i < 100; i++) free.take(0, 0);
    assert.equal(free.waitMs(0, 0), 0);
  });
});

describe('entry checks', () => {
  const defaults = { QueueId: 'q1' };
  test('normalise numbers with a country code to E.164', () => {
    const r = checkEntry({ CustomerEndpoint: { Address: '+1 (415) 555-0100' } }, defaults);
    assert.ok(r.ok);
    assert.equal(r.entry.CustomerEndpoint?.Address, '+14155550100');
    assert.equal(r.entry.CustomerEndpoint?.Type, 'TELEPHONE_NUMBER');
  });
  test('reject with the field and the reason', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ CustomerEndpoint: { Address: '4155550100' } }, 'CustomerEndpoint.Address', /E\.164/],
      [{}, 'CustomerEndpoint.Address', /missing/],
      [{ RequestIdentifier: 'x'.repeat(81), CustomerEndpoint: { Address: '+14155550100' } }, 'RequestIdentifier', /81 characters; the limit is 80/],
      [{ CustomerEndpoint: { Address: '+14155550100' }, Attributes: { 'bad key': 'v' } }, 'Attributes.bad key', /letters, digits/],
      [{ CustomerEndpoint: { Address: 42 } }, 'CustomerEndpoint.Address', /string/],
    ];
    for (const [raw, field, reason] of cases) {
      const r = checkEntry(raw, defaults);
      assert.equal(r.ok, false, JSON.stringify(raw));
      if (!r.ok) {
        assert.equal(r.rejection.field, field);
        assert.match(r.rejection.reason, reason);
      }
    }
    const noQueue = checkEntry({ CustomerEndpoint: { Address: '+14155550100' } }, {});
    assert.equal(noQueue.ok ? '' : noQueue.rejection.field, 'QueueId');
  });
  test('the request item merges campaign defaults under the entry', () => {
    const req = toContactDataRequest(
      { RequestIdentifier: 'r', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550100' }, Attributes: { a: 'entry' } },
      { QueueId: 'q', Attributes: { a: 'default', b: 'default' }, OutboundStrategy: { Type: 'AGENT_FIRST' } },
    );
    assert.deepEqual(req.Attributes, { a: 'entry', b: 'default' });
    assert.equal(req.QueueId, 'q');
    assert.equal(req.OutboundStrategy?.Type, 'AGENT_FIRST');
  });
});

describe('campaign spec', () => {
  test('inline lists past the limit are refused with advice to use a file', () => {
    const r = campaignSpecSchema.safeParse({ campaignId: 'c', instanceId: 'i', dialList: { kind: 'inline', entries: new Array(1001).fill({}) } });
    assert.equal(r.success, false);
    assert.match(r.error?.issues[0]?.message ?? '', /CSV, JSON or JSONL file/);
    assert.deepEqual(r.error?.issues[0]?.path, ['dialList', 'entries']);
  });
  test('defaults fill pacing; batch size above 25 is refused', () => {
    const ok = campaignSpecSchema.parse({ campaignId: 'c', instanceId: 'i', dialList: { kind: 'file', path: 'x.csv' } });
    assert.equal(ok.pacing.batchSize, 25);
    const bad = campaignSpecSchema.safeParse({ campaignId: 'c', instanceId: 'i', pacing: { batchSize: 26 }, dialList: { kind: 'file', path: 'x.csv' } });
    assert.deepEqual(bad.error?.issues[0]?.path, ['pacing', 'batchSize']);
  });
});

describe('fairness keys', () => {
  test('a workflow id of up to 64 bytes is its own key; a longer one keeps 40 characters and the hash of the whole', () => {
    const short = `campaign-${'a'.repeat(55)}`;
    assert.equal(fairnessKeyFor(short), short);
    const long = `campaign-${'b'.repeat(100)}`;
    const key = fairnessKeyFor(long);
    assert.equal(key, `${long.slice(0, 40)}~${fnv1a64(long)}`);
    assert.ok(new TextEncoder().encode(key).length <= MAX_FAIRNESS_KEY_BYTES);
    assert.notEqual(fairnessKeyFor(`${long}x`), key, 'two long ids with the same start keep apart');
    const wide = `campaign-${'é'.repeat(60)}`;
    assert.ok(new TextEncoder().encode(fairnessKeyFor(wide)).length <= MAX_FAIRNESS_KEY_BYTES, 'multi-byte characters are counted as bytes');
  });
});

describe('packed batch indices', () => {
  test('a fresh batch of 25 is one run; runs break where the index or the send does not continue', () => {
    const fresh = Array.from({ length: 25 }, (_, k): BatchEntry => [1000 + k, 1]);
    assert.deepEqual(packEntries(fresh), [[1000, 25, 1]]);
    const mixed: BatchEntry[] = [
      [5, 1],
      [6, 1],
      [7, 2],
      [9, 1],
      [3, 1],
    ];
    assert.deepEqual(packEntries(mixed), [
      [5, 2, 1],
      [7, 1, 2],
      [9, 1, 1],
      [3, 1, 1],
    ]);
    assert.deepEqual(unpackEntries(packEntries(mixed)), mixed, 'order and sends survive the round trip');
    assert.deepEqual(packIndices([3, 4, 5, 9, 1]), [
      [3, 3],
      [9, 1],
      [1, 1],
    ]);
    assert.deepEqual(unpackIndices(packIndices([3, 4, 5, 9, 1])), [3, 4, 5, 9, 1]);
    assert.deepEqual(packIndices([]), []);
  });
});

describe('the carried-state budget', () => {
  const lane = (index: number, extra: Partial<LaneItem> = {}): LaneItem => ({ index, attempts: 1, lastCode: 'REQUEST_THROTTLED', notBefore: 1_000_000, ...extra });

  test('lane items pack to base-36 fields and back, failures per lane included', () => {
    const lanes: LaneItem[] = [
      lane(123_456, { attempts: 3, laneFailures: { throttled: 3 }, notBefore: 1_500 }),
      lane(7, { attempts: 5, laneFailures: { throttled: 3, unknown: 1 }, lastCode: 'SOMETHING_NEW', notBefore: 1_000 }),
      lane(8, { notBefore: 1_000 }),
    ];
    const packed = packLanes(lanes);
    assert.deepEqual(packed, { base: 1_000, codes: ['REQUEST_THROTTLED', 'SOMETHING_NEW'], items: '2n9c,3,dw,0,3;7,5,0,1,3,0,0,0,0,1;8,1,0,0' });
    assert.deepEqual(unpackLanes(packed), lanes);
    assert.deepEqual(unpackLanes(packLanes([])), []);
  });

  test('split groups pack and unpack', () => {
    const items = [
      { index: 40, attempts: 0 },
      { index: 41, attempts: 2, laneFailures: { internal: 1, throttled: 1 } },
    ];
    assert.equal(packBatchItems(items), '14,0;15,2,1,1');
    assert.deepEqual(unpackBatchItems(packBatchItems(items)), items);
  });

  test('held entries are bounded by the pacing: 1,000 at least, twice what is in flight, 5,000 at most', () => {
    assert.equal(heldEntriesBound({ batchSize: 25, batchesInFlight: 4 }), 1_000);
    assert.equal(heldEntriesBound({ batchSize: 25, batchesInFlight: 40 }), 2_000);
    assert.equal(MAX_HELD_ENTRIES, 5_000);
  });

  test('the worst carried state fits the budget: 5,000 widest lane items, 64 KiB of answers, a 1,000-character reason', () => {
    const state = initialState(Date.now());
    // Every held entry in a lane with the widest fields the schemas allow: an 8-digit index,
    // 50 sends, an hour's wait, a long unknown code, failures in every lane.
    state.lanes = Array.from({ length: MAX_HELD_ENTRIES }, (_, k) =>
      lane(99_999_999 - k * 7, {
        attempts: 50,
        notBefore: 3_600_000 + k,
        lastCode: `UNKNOWN_CODE_${k % 20}`,
        laneFailures: { throttled: 20, internal: 4, buffer: 30, idempotency: 1, permanent: 1, unknown: 3 },
      }),
    );
    state.lanes[0]!.notBefore = 0;
    state.phase = { name: 'paused', reason: 'r'.repeat(50_000) };
    const answers = new DeflectionAnswers();
    for (let n = 0; n < 200; n++) {
      answers.settle(`answer-${n}`.padEnd(36, '0'), {
        accepted: [],
        refused: Array.from({ length: 250 }, (_, k) => ({
          requestIdentifier: `${n}-${k}`.padEnd(80, 'x'),
          reason: 'ALREADY_TERMINAL' as const,
          detail: 'the entry already ended CREATED',
        })),
      });
    }
    const carried = toCarried({ ...state, answers: answers.toCarried() });
    const bytes = jsonBytes(carried);
    assert.ok(bytes < CARRIED_STATE_BUDGET_BYTES, `the worst carried state weighs ${bytes} bytes, over ${CARRIED_STATE_BUDGET_BYTES}`);
    assert.ok(jsonBytes(carried.answers) <= MAX_CARRIED_ANSWER_BYTES, `answers weigh ${jsonBytes(carried.answers)} bytes`);
    assert.equal(carried.phase.name === 'paused' && carried.phase.reason?.length, 1_000);
    assert.deepEqual(carriedOrInitial(carried, 0).lanes, state.lanes, 'the lanes come back as they went');
  });

  test('batches held after a refusal are carried packed, under their own seq, and come back as they went', () => {
    const state = initialState(0);
    const items = Array.from({ length: 25 }, (_, k) => ({ index: 1_000 + k, attempts: k % 3, ...(k === 4 ? { laneFailures: { throttled: 2 } } : {}) }));
    state.heldBatches = [{ seq: 7, items }];
    state.phase = { name: 'paused', reason: 'Amazon Connect denied BatchPutContact', connectRefused: 'ConnectAccessDenied' };
    const carried = toCarried(state);
    assert.equal(typeof carried.heldBatches?.[0]?.items, 'string', 'packed like the split groups');
    const back = carriedOrInitial(JSON.parse(JSON.stringify(carried)) as typeof carried, 0);
    assert.deepEqual(back.heldBatches, [{ seq: 7, items }]);
    assert.deepEqual(back.phase, state.phase);
    assert.equal(carriedOrInitial(toCarried(initialState(0)), 0).heldBatches, undefined, 'none carried when none held');
  });

  test('a version-2 carried state is read: its deflections, ids and skipped indices come back for the run to move to the store', () => {
    const v2: CarriedStateV2 = {
      ...initialState(5),
      version: 2,
      queue: [7, 8, 9],
      deflections: [{ requestIdentifier: 'c-95', index: 95, message: 'hello' }],
      deflectionIds: ['c-95', 'c-3'],
      skipIndices: [95],
    };
    const state = carriedOrInitial(v2, 0);
    assert.deepEqual(state.queue, [7, 8, 9]);
    assert.deepEqual(state.deflections, v2.deflections);
    assert.deepEqual(state.deflectionIds, ['c-95', 'c-3']);
    assert.deepEqual(state.skipIndices, [95]);
    assert.deepEqual(state.deflectionOrders, { ordered: 0, taken: 0 });
    assert.throws(() => carriedOrInitial({ ...v2, version: 1 } as unknown as CarriedStateV2, 0), /carried state version 1 is neither 3 nor 2/);
  });

  test('deflection answers are bounded in bytes: the oldest go first, and one alone over the bound is kept but not carried', () => {
    const answer = (ids: number, width: number) => ({ accepted: Array.from({ length: ids }, (_, k) => `${k}`.padEnd(width, 'x')), refused: [] });
    const book = new DeflectionAnswers([], 1_000);
    book.settle('a', answer(4, 100));
    book.settle('b', answer(4, 100));
    book.settle('c', answer(4, 100));
    assert.equal(book.state('a').state, 'unknown', 'the oldest answer went');
    assert.deepEqual(
      book.toCarried().map(([id]) => id),
      ['b', 'c'],
    );
    book.settle('huge', answer(20, 100));
    assert.equal(book.state('huge').state, 'answered');
    assert.deepEqual(book.toCarried(), []);
  });

  test('a deflect request splits into signals of at most 250 ids and 128 KiB; message and attributes too large for one id are refused', () => {
    const ids = Array.from({ length: 1000 }, (_, k) => `c-${k}`);
    const byCount = splitDeflectRequest({ requestIdentifiers: ids, message: 'hi' });
    assert.ok('signals' in byCount);
    assert.deepEqual(
      byCount.signals.map((s) => s.requestIdentifiers.length),
      [250, 250, 250, 250],
    );
    assert.deepEqual(
      byCount.signals.flatMap((s) => s.requestIdentifiers),
      ids,
    );
    const attributes = Object.fromEntries(Array.from({ length: 4 }, (_, k) => [`a${k}`, 'x'.repeat(32_000)]));
    const long = Array.from({ length: 100 }, (_, k) => `${k}`.padStart(80, '0'));
    const bySize = splitDeflectRequest({ requestIdentifiers: long, attributes });
    assert.ok('signals' in bySize);
    assert.ok(bySize.signals.length > 1, `${bySize.signals.length} signals`);
    for (const s of bySize.signals) assert.ok(jsonBytes({ ...s, answerId: randomUUID() }) <= MAX_DEFLECT_SIGNAL_BYTES, `${jsonBytes(s)} bytes`);
    assert.equal(bySize.signals.flatMap((s) => s.requestIdentifiers).length, 100);
    const refused = splitDeflectRequest({ requestIdentifiers: ['c-1'], attributes: { ...attributes, a4: 'x'.repeat(5_000) } });
    assert.ok('reason' in refused);
    assert.equal(refused.field, 'attributes');
    assert.match(refused.reason, /at most 131072 bytes.*nothing was sent/);
  });

  test('UTF-8 lengths count multi-byte characters as Temporal stores them', () => {
    assert.equal(utf8Length('abc'), 3);
    assert.equal(utf8Length('é€'), 5);
    assert.equal(utf8Length('😀'), 4);
    assert.equal(utf8Length('😀é€abc'), Buffer.byteLength('😀é€abc'));
  });
});

describe('run length: when a run continues as new, and how much of the list a page reads', () => {
  const gauge = (historyLength: number, continueAsNewSuggested = false, historySize = 100 * historyLength) => ({ historyLength, historySize, continueAsNewSuggested });

  test('with its own limits a run goes on past the server suggestion (4,096 events by default) and stops at 9,000 events or 8 MiB', () => {
    assert.equal(historyFull(gauge(4_200, true), true), false, 'the suggestion alone does not end the run');
    assert.equal(historyFull(gauge(RUN_HISTORY_EVENTS - 1, true), true), false);
    assert.equal(historyFull(gauge(RUN_HISTORY_EVENTS), true), true, 'the event limit ends it, suggested or not');
    assert.equal(historyFull(gauge(2_000, false, RUN_HISTORY_BYTES), true), true, 'so does the size limit');
    assert.ok(RUN_HISTORY_EVENTS + 600 < 10_240, 'a drain of 100 batches (about 600 events) stays under the server warning at 10,240');
  });

  test('with its own limits a suggestion for the history size or for updates is followed at once; one for the event count alone is not', () => {
    const because = (...reasons: string[]) => ({ ...gauge(4_200, true), suggestedContinueAsNewReasons: reasons });
    assert.equal(historyFull(because('HISTORY_SIZE_TOO_LARGE'), true), true);
    assert.equal(historyFull(because('TOO_MANY_UPDATES'), true), true);
    assert.equal(historyFull(because('TOO_MANY_HISTORY_EVENTS', 'HISTORY_SIZE_TOO_LARGE'), true), true);
    assert.equal(historyFull(because('TOO_MANY_HISTORY_EVENTS'), true), false);
    assert.equal(historyFull({ ...gauge(4_200, false), suggestedContinueAsNewReasons: ['TOO_MANY_UPDATES'] }, true), false, 'reasons count only with the suggestion');
  });

  test('a run begun before the patch follows the server suggestion, at any length', () => {
    assert.equal(historyFull(gauge(4_200, true), false), true);
    assert.equal(historyFull(gauge(20_000, false), false), false);
  });

  test('with half-window pages the smallest page is half the window scheduled ahead (at least a batch); before, one batch', () => {
    assert.equal(smallestPage(25, 60, true), 750, '60 batches of 25 ahead: a page once 750 entries fit');
    assert.equal(smallestPage(25, 1, true), 25, 'never less than a batch');
    assert.equal(smallestPage(25, 60, false), 25);
  });
});
