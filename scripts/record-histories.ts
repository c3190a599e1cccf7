// `npm run record-histories`: runs each representative campaign of test/support/history-scenarios.ts
// to its end against a fresh Temporal dev server, the Connect emulator and an embedded store, and
// writes every run's history to test/histories/ for test/replay.test.ts. Only for a new scenario or
// a deliberate, patched() workflow change: never re-record to make a failing replay pass.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { outboundRequestClientToken } from '../src/domain/client-token';
import type { CampaignResult } from '../src/domain/progress';
import { historyScenarios, type HistoryScenario } from '../test/support/history-scenarios';
import { campaignDefaults, entry, startStack, type Stack } from '../test/support/stack';
import { eventually } from '../test/support/eventually';
import { emulatorCampaignsClient } from '../test/support/emulator';
import { testTemporal } from '../test/support/temporal';
import { createCampaignWorker, type CampaignWorker } from '../src/worker';

const outDir = join(__dirname, '..', 'test', 'histories');
const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', initialMessage: 'We tried to call you' };
const quick = { initialBackoffMs: 20, maxBackoffMs: 200 };

/** Campaign ids are fixed (`history-<scenario>`), so the files differ between recordings only in times and run ids. */
const idOf = (scenario: HistoryScenario): string => `history-${scenario}`;

function spec(scenario: HistoryScenario, size: number, extra: Partial<CampaignSpecInput> = {}): CampaignSpecInput {
  const id = idOf(scenario);
  return {
    campaignId: id,
    instanceId: 'instance-1',
    defaults: campaignDefaults,
    pacing: { batchSize: 25, batchesInFlight: 1, adaptive: true },
    dialList: { kind: 'inline', entries: Array.from({ length: size }, (_, i) => entry(i, { RequestIdentifier: `${id}-${i}` })) },
    ...extra,
  };
}

const voiceContacts = (stack: Stack, id: string): number => stack.emulator.contacts().filter((c) => c.channel === 'VOICE' && c.clientToken?.startsWith(`campaign-${id}/`)).length;

async function pauseAndSettle(stack: Stack, id: string): Promise<void> {
  await stack.campaigns.pause(id, 'recording');
  await eventually(`${id} PAUSED with nothing in flight`, async () => {
    const p = await stack.campaigns.progress(id);
    return p.status === 'PAUSED' && p.batchesInFlight === 0;
  });
}

/** Each scenario starts its campaign, steers it, and waits for its result; the emulator is reset before each. */
const scenarios: Record<HistoryScenario, (stack: Stack) => Promise<CampaignResult>> = {
  async plain(stack) {
    await stack.campaigns.start(spec('plain', 100));
    return stack.campaigns.result(idOf('plain'));
  },
  async throttled(stack) {
    stack.emulator.setFaults({ entryThrottleRate: 0.3, entryInternalErrorRate: 0.05, seed: 7 });
    await stack.campaigns.start(spec('throttled', 200, { lanes: { throttled: quick, internal: { ...quick, maxAttempts: 10 } } }));
    return stack.campaigns.result(idOf('throttled'));
  },
  async split(stack) {
    stack.emulator.setFaults({ schedule: [{ operation: 'BatchPutContact', times: 3, error: 'InvalidRequestException' }] });
    await stack.campaigns.start(spec('split', 50));
    return stack.campaigns.result(idOf('split'));
  },
  async deflection(stack) {
    const id = idOf('deflection');
    stack.emulator.configure({ latencyMs: 30 });
    await stack.campaigns.start(spec('deflection', 100, { chat }));
    await pauseAndSettle(stack, id);
    await stack.campaigns.deflect(id, { requestIdentifiers: [95, 96, 97, 98, 99].map((i) => `${id}-${i}`), message: 'Reply YES to book' });
    await stack.campaigns.resume(id);
    await eventually('the first batch dialled', () => voiceContacts(stack, id) >= 25);
    await pauseAndSettle(stack, id);
    await stack.campaigns.deflect(id, { requestIdentifiers: [0, 1, 2, 3, 4].map((i) => `${id}-${i}`) });
    await stack.campaigns.resume(id);
    return stack.campaigns.result(id);
  },
  async 'pause-resume'(stack) {
    const id = idOf('pause-resume');
    stack.emulator.configure({ latencyMs: 50 });
    await stack.campaigns.start(spec('pause-resume', 150));
    await eventually('the first batches', () => voiceContacts(stack, id) >= 50);
    await stack.campaigns.pause(id, 'lunch');
    await eventually('PAUSED with nothing in flight', async () => {
      const p = await stack.campaigns.progress(id);
      return p.status === 'PAUSED' && p.batchesInFlight === 0;
    });
    await stack.campaigns.resume(id);
    return stack.campaigns.result(id);
  },
  async cancel(stack) {
    const id = idOf('cancel');
    stack.emulator.configure({ latencyMs: 50 });
    await stack.campaigns.start(spec('cancel', 200));
    await eventually('the first batches', () => voiceContacts(stack, id) >= 50);
    await stack.campaigns.cancel(id, 'wrong list');
    return stack.campaigns.result(id);
  },
  async 'continue-as-new'(stack) {
    const id = idOf('continue-as-new');
    // Entry 15 is throttled in the second batch; its backoff outlasts the run, so its lane entry is carried.
    stack.emulator.setFaults({ schedule: [{ requestIdentifier: `${id}-15`, failureReasonCode: 'REQUEST_THROTTLED', times: 1 }] });
    await stack.campaigns.start(
      spec('continue-as-new', 100, {
        chat,
        continueAsNewAfterBatches: 2,
        lanes: { throttled: { initialBackoffMs: 500, maxBackoffMs: 500 } },
        pacing: { batchSize: 10, batchesInFlight: 1, adaptive: true },
      }),
    );
    await pauseAndSettle(stack, id);
    await stack.campaigns.deflect(id, { requestIdentifiers: [`${id}-95`] });
    await stack.campaigns.resume(id);
    return stack.campaigns.result(id);
  },
  async 'pause-on-refusal-403'(stack) {
    const id = idOf('pause-on-refusal-403');
    stack.emulator.configure({ deniedAccessKeyIds: ['test'] });
    await stack.campaigns.start(spec('pause-on-refusal-403', 100));
    await eventually('PAUSED by the refusal', async () => (await stack.campaigns.progress(id)).status === 'PAUSED');
    stack.emulator.configure({ deniedAccessKeyIds: [] });
    await stack.campaigns.resume(id);
    return stack.campaigns.result(id);
  },
  async v2(stack) {
    const id = idOf('v2');
    const token = (index: number): string => outboundRequestClientToken(`campaign-${id}`, index, 1);
    stack.emulator.setFaults({
      schedule: [
        { clientToken: token(1), failureCode: 'RequestThrottled' },
        { clientToken: token(3), failureCode: 'InvalidInput' },
      ],
    });
    await stack.campaigns.start(
      spec('v2', 60, {
        defaults: { Attributes: { source: 'history' } },
        submission: { api: 'outbound-campaigns-v2', campaignId: 'v2-campaign-1', stateRecheckSeconds: 1 },
        lanes: { throttled: quick },
      }),
    );
    return stack.campaigns.result(id);
  },
  async 'staging-rejections'(stack) {
    const id = idOf('staging-rejections');
    const invalid = new Set([7, 21, 40]);
    const rows = ['RequestIdentifier,PhoneNumber,FirstName'];
    for (let i = 0; i < 50; i++) rows.push(invalid.has(i) ? `${id}-${i},not-a-number,Bad${i}` : `${id}-${i},+1415555${String(i).padStart(4, '0')},Name${i}`);
    const path = join(stack.dataDir, `${id}.csv`);
    await writeFile(path, rows.join('\n'));
    await stack.campaigns.start({ ...spec('staging-rejections', 0), dialList: { kind: 'file', path } });
    return stack.campaigns.result(id);
  },
  async 'call-outcomes-redial'(stack) {
    const id = idOf('call-outcomes-redial');
    const number = (i: number): string => `+1415555${String(i).padStart(4, '0')}`;
    stack.emulator.configure({
      calls: {
        ringMs: 200,
        byNumber: { [number(0)]: 'HUMAN_ANSWERED', [number(1)]: 'NO_ANSWER', [number(2)]: ['BUSY', 'HUMAN_ANSWERED'], [number(3)]: 'VOICEMAIL', [number(4)]: 'INVALID_NUMBER' },
        duplicateRate: 0.5,
        reorder: true,
        seed: 5,
      },
    });
    await stack.campaigns.start(
      spec('call-outcomes-redial', 5, {
        chat,
        callOutcomes: { redial: [{ dispositions: ['NO_ANSWER', 'BUSY'], afterSeconds: 1, maxAttempts: 3 }], smsOn: ['VOICEMAIL'], settleWithinSeconds: 60 },
      }),
    );
    const result = await stack.campaigns.result(id);
    stack.emulator.configure({ calls: undefined });
    return result;
  },
  async 'scheduled-ahead'(stack) {
    const id = idOf('scheduled-ahead');
    stack.emulator.configure({ latencyMs: 2000 });
    await stack.campaigns.start(spec('scheduled-ahead', 200, { pacing: { batchSize: 10, batchesInFlight: 1, scheduleAheadSeconds: 6, adaptive: true } }));
    await eventually('batches scheduled ahead', async () => (await stack.campaigns.progress(id)).batchesInFlight >= 5, { intervalMs: 20 });
    await pauseAndSettle(stack, id);
    stack.emulator.configure({ latencyMs: 0 });
    await stack.campaigns.resume(id);
    return stack.campaigns.result(id);
  },
  async 'runs-and-pages'(stack) {
    // 60 batches of 4 ahead at the stack's 1,000/s: a 240-entry window under a 1,000-entry bound.
    await stack.campaigns.start(
      spec('runs-and-pages', 600, { continueAsNewAfterBatches: 80, pacing: { batchSize: 4, batchesInFlight: 2, scheduleAheadSeconds: 0.06, adaptive: true } }),
    );
    return stack.campaigns.result(idOf('runs-and-pages'));
  },
};

/** Every run of the campaign, first to last: from the first run, each run's ContinuedAsNew event names the next. */
async function runHistories(stack: Stack, campaignId: string) {
  const { workflowId } = stack.campaigns.handle(campaignId);
  const latest = await stack.campaigns.client.workflow.getHandle(workflowId).fetchHistory();
  let runId = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
  if (!runId) throw new Error(`${workflowId}: no first run id in its history`);
  const histories = [];
  while (runId) {
    const history = await stack.campaigns.client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push(history);
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return histories;
}

/**
 * The campaign workflow declares AUTO_UPGRADE, which only a worker under Worker Versioning can
 * run: a versioned worker on the stack's task queue, made current as a release does, takes
 * every campaign (the stack's own unversioned worker gets none).
 */
async function startVersionedWorker(stack: Stack): Promise<{ worker: CampaignWorker; done: Promise<void> }> {
  const env = await testTemporal();
  const namespace = env.namespace ?? 'default';
  const deploymentName = 'connect-dialer-histories';
  const worker = await createCampaignWorker({
    connection: env.nativeConnection,
    namespace,
    taskQueue: stack.taskQueue,
    region: stack.region,
    rates: { batchPutContact: 1000, outboundRequests: 1000, chat: 1000 },
    dependencies: { connect: stack.connect, campaignsV2: emulatorCampaignsClient(stack.emulator, { maxAttempts: 3 }), store: stack.store },
    version: { deploymentName, buildId: 'recording' },
  });
  const done = worker.run();
  // The version exists once its workers poll.
  await eventually(
    'the recording version to be current',
    async () => {
      await env.client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId: 'recording' });
      return true;
    },
    { retryErrors: true, intervalMs: 200 },
  );
  return { worker, done };
}

async function main(): Promise<void> {
  // A fresh dev server of its own, never the test run's: the campaign ids are fixed.
  delete process.env.TEMPORAL_ADDRESS;
  const wanted = process.argv.slice(2);
  const names = (Object.keys(scenarios) as HistoryScenario[]).filter((s) => wanted.length === 0 || wanted.includes(s));
  const startedAt = Date.now();
  // Contact events on: the call-outcomes scenario's calls (off in the emulator for the others) are read from SQS.
  const stack = await startStack({ store: 'pglite', contactEvents: true });
  const recorder = await startVersionedWorker(stack);
  console.error(`stack up in ${Date.now() - startedAt} ms`);
  await mkdir(outDir, { recursive: true });
  try {
    for (const scenario of names) {
      const t0 = Date.now();
      stack.emulator.reset();
      stack.emulator.setFaults({});
      stack.emulator.configure({ latencyMs: 0, deniedAccessKeyIds: [] });
      const result = await scenarios[scenario](stack);
      const histories = await runHistories(stack, idOf(scenario));
      for (const old of (await readdir(outDir)).filter((f) => f === `${scenario}.json` || (f.startsWith(`${scenario}.run-`) && f.endsWith('.json')))) {
        await rm(join(outDir, old));
      }
      for (const [i, history] of histories.entries()) {
        const file = histories.length === 1 ? `${scenario}.json` : `${scenario}.run-${i + 1}.json`;
        await writeFile(join(outDir, file), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
      }
      const { status, outcomes, batchesSent, retries, runs } = result;
      console.error(
        `${scenario}: ${status}, ${JSON.stringify(outcomes)}, ${batchesSent} batches, ${retries} retries, ${runs} runs, ` +
          `${histories.length} history file(s) in ${Date.now() - t0} ms — ${historyScenarios[scenario]}`,
      );
    }
  } finally {
    recorder.worker.shutdown();
    await recorder.done;
    await stack.stop();
  }
  console.error(`recorded ${names.length} scenario(s) in ${Math.round((Date.now() - startedAt) / 1000)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
