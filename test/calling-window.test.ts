// Calling windows, suppression lists and frequency caps on a time-skipping server, with the real activities,
// the real campaign store and the Connect emulator: the campaign sleeps until each zone's
// window opens (a durable timer the server skips), so days and DST changes pass in seconds.
// The activities decide with the workflow's clock, which the test server moves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ConnectClient } from '@aws-sdk/client-connect';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { unpackIndices } from '../src/domain/batch';
import { campaignSpecSchema, campaignWorkflowId, type CampaignSpecInput } from '../src/domain/campaign';
import { progressQuery } from '../src/domain/messages';
import type { OutcomeRecord } from '../src/domain/outcome';
import type { CampaignResult, Progress } from '../src/domain/progress';
import { startEmulator, type Emulator } from '../src/emulator';
import type { campaign } from '../src/workflows';
import { workflowBundle } from '../src/worker';
import { openTestStore, type TestStore } from './support/database';
import { emulatorClient } from './support/emulator';
import { eventually } from './support/eventually';
import { patientTimeSkippingTemporal } from './support/time-skipping';

let temporal: Awaited<ReturnType<typeof patientTimeSkippingTemporal>>;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let testStore: TestStore;
let emulator: Emulator;
let connect: ConnectClient;

before(async () => {
  temporal = await patientTimeSkippingTemporal();
  env = temporal.env;
  [bundle, testStore, emulator] = await Promise.all([workflowBundle(), openTestStore(), startEmulator({ quiet: true })]);
  connect = emulatorClient(emulator);
});
after(async () => {
  connect?.destroy();
  await emulator?.stop();
  await testStore?.close();
  await temporal?.stop();
});

/** One send as the batch activity saw it: the workflow's time and the entries it created. */
interface Send {
  at: number;
  created: number[];
}

type Handle = Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;

/** Runs one campaign to its end with the real activities; `steer` acts on it before its result is awaited (time skips only then). */
async function runCampaign(
  entries: Record<string, unknown>[],
  spec: Partial<CampaignSpecInput>,
  steer?: (handle: Handle) => Promise<void>,
): Promise<{ result: CampaignResult; sends: Send[]; outcomes: OutcomeRecord[] }> {
  const taskQueue = `calling-window-${randomUUID()}`;
  const campaignId = `cw-${randomUUID().slice(0, 8)}`;
  const activities = createActivities({ connect, store: testStore.store, connectQueues: { batchPutContact: taskQueue, outboundRequests: taskQueue, chat: taskQueue } });
  const sends: Send[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: {
      ...activities,
      putContactBatch: async (input: Parameters<typeof activities.putContactBatch>[0]) => {
        const answer = await activities.putContactBatch(input);
        sends.push({ at: input.rules?.now ?? -1, created: unpackIndices(answer.created) });
        return answer;
      },
    },
  });
  const parsed = campaignSpecSchema.parse({ campaignId, instanceId: 'instance-1', defaults: { QueueId: 'queue-1' }, dialList: { kind: 'inline', entries }, ...spec });
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof campaign>('campaign', { taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ spec: parsed }] });
    await steer?.(handle);
    return handle.result();
  });
  const outcomes: OutcomeRecord[] = [];
  for await (const r of testStore.store.outcomes(campaignWorkflowId(campaignId))) outcomes.push(r);
  return { result, sends, outcomes };
}

/** An inline dial-list entry, with its zone in the TimeZone attribute when given. */
function contact(id: string, address: string, timeZone?: string): Record<string, unknown> {
  return { RequestIdentifier: id, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: address }, ...(timeZone ? { Attributes: { TimeZone: timeZone } } : {}) };
}

/** The test server's time, which earlier campaigns may have moved past the real one. */
async function serverNow(): Promise<number> {
  return env.currentTimeMs();
}

function phone(n: number, prefix = '+1212555'): string {
  return `${prefix}${String(n).padStart(4, '0')}`;
}

/** A fresh number on this test server's store (suppression lists are shared by every campaign). */
function freshNumber(): string {
  return phone(Math.floor(Math.random() * 10_000), `+1646${String(Math.floor(Math.random() * 900) + 100)}`);
}

function localHHMM(zone: string, at: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at));
}

function sendOf(sends: Send[], index: number): Send {
  const send = sends.find((s) => s.created.includes(index));
  assert.ok(send, `entry ${index} was never created; sends: ${JSON.stringify(sends)}`);
  return send;
}

async function waitingOf(handle: Handle, total: number): Promise<NonNullable<Progress['waiting']>> {
  let last: Progress | undefined;
  return eventually(
    () => `${total} entries waiting; last progress ${JSON.stringify(last)}`,
    async () => {
      const p = (last = await handle.query(progressQuery));
      return p.waiting && p.waiting.total === total ? p.waiting : undefined;
    },
  );
}

const EVERY_DAY_9_TO_5 = Object.fromEntries(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'].map((d) => [d, [{ from: '09:00', to: '17:00' }]]));

describe('calling windows in the recipient’s time zone (time-skipping, real activities and store)', () => {
  test(
    'numbers in four zones are each sent inside 09:00-17:00 local, those outside wait and go at 09:00 local; an unknown zone waits until --end-at',
    { timeout: 240_000 },
    async () => {
      // At any instant at least one of New York, Los Angeles, Paris and Tokyo is outside 09:00-17:00.
      const zones = ['America/New_York', 'America/Los_Angeles', 'Europe/Paris', 'Asia/Tokyo'];
      const entries = [
        contact('ny', phone(100)),
        contact('la', phone(101, '+1213555')),
        contact('paris', '+33142685300'),
        contact('tokyo', '+81312345678'),
        // 850 spans two zones (Florida): no zone, no default, so it waits and is never guessed.
        contact('panhandle', phone(102, '+1850555')),
      ];
      const startedAt = await serverNow();
      const endAt = new Date(startedAt + 3 * 86_400_000).toISOString();
      let waitingAtStart: NonNullable<Progress['waiting']> | undefined;
      const { result, sends, outcomes } = await runCampaign(entries, { callingWindow: { hours: EVERY_DAY_9_TO_5 }, endAt }, async (handle) => {
        let last: Progress | undefined;
        waitingAtStart = await eventually(
          () => `entries waiting for their window; last progress ${JSON.stringify(last)}`,
          async () => {
            const p = (last = await handle.query(progressQuery));
            return p.waiting && p.waiting.total >= 2 && p.outcomes.CREATED + p.waiting.total === 5 ? p.waiting : undefined;
          },
        );
      });
      assert.ok(waitingAtStart, 'the progress showed the waiting entries');
      assert.equal(waitingAtStart.byZone.unknown, 1, `waiting by zone: ${JSON.stringify(waitingAtStart.byZone)}`);
      const closedAtStart = zones.filter((z) => (waitingAtStart?.byZone[z] ?? 0) > 0);
      assert.ok(closedAtStart.length >= 1, `at least one zone waited: ${JSON.stringify(waitingAtStart.byZone)}`);
      zones.forEach((zone, index) => {
        const at = sendOf(sends, index).at;
        const local = localHHMM(zone, at);
        assert.ok(local >= '09:00' && local < '17:00', `entry ${index} (${zone}) was sent at ${new Date(at).toISOString()}, ${local} local`);
        if (closedAtStart.includes(zone)) assert.equal(local, '09:00', `${zone} waited, so it went when its window opened`);
      });
      assert.equal(result.status, 'CANCELLED', 'the end came while an entry still waited');
      assert.match(result.reason ?? '', /--end-at/);
      assert.deepEqual(result.outcomes, { CREATED: 4, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 1, SUPPRESSED: 0 });
      const panhandle = outcomes.find((o) => o.requestIdentifier === 'panhandle');
      assert.equal(panhandle?.outcome, 'CANCELLED');
      assert.match(panhandle?.message ?? '', /campaign's end/);
      assert.ok(
        sends.every((s) => s.at < Date.parse(endAt)),
        'nothing was sent after the end',
      );
    },
  );

  test(
    'a number added to a list while its entry waits for its window is not dialled: SUPPRESSED naming the list; one listed before the start is SUPPRESSED at staging',
    { timeout: 240_000 },
    async () => {
      const [early, late, kept] = [freshNumber(), freshNumber(), freshNumber()];
      await testStore.store.addSuppressions([{ list: 'before-start', phone: early }]);
      // Restricted today and tomorrow (UTC): everything waits at least a day.
      const now = await serverNow();
      const today = new Date(now).toISOString().slice(0, 10);
      const tomorrow = new Date(now + 86_400_000).toISOString().slice(0, 10);
      const entries = [early, late, kept].map((number, i) => contact(`s-${i}`, number, 'UTC'));
      const { result, sends, outcomes } = await runCampaign(entries, { callingWindow: { hours: EVERY_DAY_9_TO_5, restrictedDates: [today, tomorrow] } }, async (handle) => {
        await waitingOf(handle, 2);
        await testStore.store.addSuppressions([{ list: 'mid-campaign', phone: late }]);
      });
      assert.equal(result.status, 'COMPLETED');
      assert.deepEqual(result.outcomes, { CREATED: 1, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 0, SUPPRESSED: 2 });
      const byId = new Map(outcomes.map((o) => [o.requestIdentifier, o]));
      assert.equal(byId.get('s-0')?.outcome, 'SUPPRESSED');
      assert.match(byId.get('s-0')?.message ?? '', /"before-start" when the dial list was staged/);
      assert.equal(byId.get('s-1')?.outcome, 'SUPPRESSED');
      assert.match(byId.get('s-1')?.message ?? '', /"mid-campaign" just before it was sent/);
      assert.equal(byId.get('s-2')?.outcome, 'CREATED');
      assert.deepEqual(
        sends.flatMap((s) => s.created),
        [2],
      );
      const dialled = emulator.contacts().map((c) => c.customerAddress);
      assert.ok(!dialled.includes(late) && !dialled.includes(early), 'no contact was created for a suppressed number');
    },
  );
});

/** The next second Sunday of March (US spring-forward) at least a week after `after`, as YYYY-MM-DD. */
function nextSpringForward(after: number): string {
  for (let year = new Date(after).getUTCFullYear(); ; year++) {
    const firstOfMarch = Date.UTC(year, 2, 1);
    const firstSunday = firstOfMarch + ((7 - new Date(firstOfMarch).getUTCDay()) % 7) * 86_400_000;
    const secondSunday = firstSunday + 7 * 86_400_000;
    if (secondSunday > after + 7 * 86_400_000) return new Date(secondSunday).toISOString().slice(0, 10);
  }
}

describe('a calling window across the spring-forward hour (time-skipping)', () => {
  test(
    'SUN 02:30-04:00 in New York: on the spring-forward Sunday the entry waits and is sent at 03:00 EDT, the first instant after the skipped hour',
    { timeout: 240_000 },
    async () => {
      const now = await serverNow();
      const dstDay = nextSpringForward(now);
      // Every Sunday before it is restricted, so the first opening is on the DST day itself.
      const sundays: string[] = [];
      for (let t = now - 86_400_000; new Date(t).toISOString().slice(0, 10) < dstDay; t += 86_400_000) {
        if (new Date(t).getUTCDay() === 0) sundays.push(new Date(t).toISOString().slice(0, 10));
      }
      const { result, sends } = await runCampaign([contact('ny', phone(300), 'America/New_York')], {
        callingWindow: { hours: { SUN: [{ from: '02:30', to: '04:00' }] }, restrictedDates: sundays },
      });
      assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
      const at = sendOf(sends, 0).at;
      // 02:30 EST does not exist that day: clocks go from 02:00 EST to 03:00 EDT (07:00Z).
      const opening = Date.parse(`${dstDay}T07:00:00Z`);
      assert.ok(at >= opening && at < opening + 60_000, `sent at ${new Date(at).toISOString()}; the window opened at ${dstDay}T07:00:00Z`);
      assert.equal(localHHMM('America/New_York', at), '03:00');
    },
  );
});

describe('frequency caps across campaigns (time-skipping, real activities and store)', () => {
  test('a number the first campaign called waits in the second (cap 1 a day) and is called a day after the first call; the others go at once', { timeout: 240_000 }, async () => {
    const [shared, other] = [freshNumber(), freshNumber()];
    let waitingNow: NonNullable<Progress['waiting']> | undefined;
    let second: Awaited<ReturnType<typeof runCampaign>> | undefined;
    // The second campaign runs while the first is still open: the test server skips time whenever none runs.
    const first = await runCampaign([contact('first', shared)], {}, async (handle) => {
      await eventually(
        () => 'the first campaign called its number',
        async () => (await handle.query(progressQuery)).outcomes.CREATED === 1 || undefined,
      );
      second = await runCampaign([contact('again', shared), contact('fresh', other)], { frequencyCap: { maxCallsPerNumber: 1, days: 1 } }, async (h) => {
        waitingNow = await waitingOf(h, 1);
      });
    });
    assert.ok(second, 'the second campaign ran');
    assert.equal(first.result.outcomes.CREATED, 1);
    const calledAt = sendOf(first.sends, 0).at;
    assert.deepEqual(waitingNow?.byZone, { 'over-cap': 1 }, 'the entry waits for its cap');
    assert.equal(second.result.status, 'COMPLETED');
    assert.deepEqual(second.result.outcomes, { CREATED: 2, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 });
    assert.ok(sendOf(second.sends, 1).at < calledAt + 3_600_000, 'the number no campaign called went at once');
    const again = sendOf(second.sends, 0).at;
    assert.ok(again >= calledAt + 86_400_000, `called again ${(again - calledAt) / 3_600_000} h after the first call; the cap is 1 a day`);
    assert.ok(again < calledAt + 86_400_000 + 3_600_000, `called again as soon as the cap allowed: ${(again - calledAt) / 3_600_000} h after`);
  });

  test(
    'an entry its cap allows only after --end-at ends SUPPRESSED (OVER_FREQUENCY_CAP) at once, and the campaign completes without waiting for its end',
    { timeout: 240_000 },
    async () => {
      const n = freshNumber();
      const startedAt = await serverNow();
      const endAt = new Date(startedAt + 2 * 86_400_000).toISOString();
      // Three entries for one number, at most 2 calls in 7 days: the third is over until long after the end.
      const { result, outcomes } = await runCampaign([contact('a', n), contact('b', n), contact('c', n)], { frequencyCap: { maxCallsPerNumber: 2, days: 7 }, endAt });
      assert.equal(result.status, 'COMPLETED', `result: ${JSON.stringify(result)}`);
      assert.deepEqual(result.outcomes, { CREATED: 2, DEFLECTED: 0, REJECTED: 0, FAILED: 0, CANCELLED: 0, SUPPRESSED: 1 });
      const capped = outcomes.find((o) => o.outcome === 'SUPPRESSED');
      assert.equal(capped?.failureCode, 'OVER_FREQUENCY_CAP');
      assert.match(capped?.message ?? '', /over its frequency cap \(2 calls in 7 days.*after the campaign's end/);
      assert.ok(Date.parse(result.finishedAt ?? '') < Date.parse(endAt), `the campaign did not sleep until its end: ${JSON.stringify(result)}`);
      assert.equal(emulator.contacts().filter((c) => c.customerAddress === n).length, 2, 'two calls to the number, not three');
    },
  );
});
