// The worker's Prometheus endpoint, scraped over HTTP after real campaigns on a worker process
// whose workflow cache is off: every workflow task replays the campaign's history, so counters
// that counted again on replay would not add up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CampaignClient } from '../src/client';
import { createCampaignStore } from '../src/storage/campaign-store';
import { openCampaignDatabase, type CampaignDatabase } from '../src/storage/database';
import { freePort } from '../src/dev/ports';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { outcomeKinds } from '../src/domain/outcome';
import type { CampaignResult } from '../src/domain/progress';
import { startEmulator, type Emulator, type EmulatorStats } from '../src/emulator';
import { metricNames } from '../src/telemetry/metric-names';
import { parseSamples, sumOf, type Sample } from './support/prometheus-text';
import { campaignDefaults, entry, uniqueCampaignId } from './support/stack';
import { closeTestTemporal, testTemporal } from './support/temporal';
import { spawnWorker, type WorkerProcess } from './support/worker-process';
import { eventually } from './support/eventually';

const root = join(__dirname, '..');
const chat = { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms', initialMessage: 'We tried to call you' };

let emulator: Emulator;
let worker: WorkerProcess;
let dataDir: string;
let database: CampaignDatabase | undefined;
let metricsUrl: string;
/** What the campaigns ended with, and what the endpoint said after they did. */
let completed: CampaignResult;
let cancelled: CampaignResult;
/** C: calls that ring out are redialled once (the call-outcome counters). */
let redialled: CampaignResult;
let samples: Sample[];
let scrape: string;
let stats: EmulatorStats;
const phoneNumbers = new Set<string>();

/** How the metrics test polls: the endpoint may not answer yet, and a scrape can take a while. */
const polling = { timeoutMs: 90_000, intervalMs: 100, retryErrors: true };

function spec(campaignId: string, size: number, extra: Partial<CampaignSpecInput> = {}): CampaignSpecInput {
  const entries = Array.from({ length: size }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` }));
  for (const e of entries) phoneNumbers.add((e.CustomerEndpoint as { Address: string }).Address);
  return { campaignId, instanceId: 'instance-1', defaults: campaignDefaults, chat, dialList: { kind: 'inline', entries }, ...extra };
}

before(async () => {
  const temporal = await testTemporal();
  dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-metrics-'));
  const taskQueue = `metrics-${randomUUID()}`;
  const a = uniqueCampaignId('metrics-a');
  const b = uniqueCampaignId('metrics-b');
  const c = uniqueCampaignId('metrics-c');
  // Throttled and failing entries for the lanes, a call rate for 429s, two entries Connect refuses for good, an unknown code.
  emulator = await startEmulator({
    quiet: true,
    rate: { batchPutContact: { perSecond: 6, burst: 3 } },
    faults: {
      entryThrottleRate: 0.15,
      entryInternalErrorRate: 0.05,
      seed: 14,
      schedule: [
        { requestIdentifier: `${a}-3`, failureReasonCode: 'INVALID_QUEUE' },
        { requestIdentifier: `${a}-4`, failureReasonCode: 'INVALID_QUEUE' },
        // A code Connect may add one day: the workflow logs it loudly, with the batch.
        { requestIdentifier: `${a}-5`, failureReasonCode: 'NEW_CODE_FROM_THE_FUTURE' },
      ],
    },
    // Every created contact rings; half are not answered. Only C acts on it (callOutcomes).
    calls: { ringMs: 200, outcomes: { HUMAN_ANSWERED: 0.5, NO_ANSWER: 0.5 }, seed: 7 },
  });
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = await spawnWorker(['--metrics-port', String(port), '--log-format', 'json'], {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    CONNECT_ENDPOINT: emulator.url,
    CONNECT_DIALER_DATA_DIR: dataDir,
    CONNECT_DIALER_METRICS_HOST: '127.0.0.1',
    TEMPORAL_MAX_CACHED_WORKFLOWS: '0',
    CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: emulator.contactEventsQueueUrl,
  });
  // The worker owns the embedded store in its data folder; this process reads it through the worker.
  database = await openCampaignDatabase({ dataDir });
  const campaigns = new CampaignClient(temporal.client, { taskQueue, store: createCampaignStore(database.pool) });

  // A: 160 entries, 3 of them with numbers Connect cannot take (REJECTED); 2 SMS after the call, 1 instead of it.
  const specA = spec(a, 160, { pacing: { batchSize: 10, batchesInFlight: 4, adaptive: true } });
  const listA = (specA.dialList as { entries: Record<string, unknown>[] }).entries;
  for (const i of [7, 8, 9]) listA[i] = { ...listA[i], CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `12-${i}` } };
  await campaigns.start(specA);
  // B: cancelled part way (CANCELLED).
  await campaigns.start(spec(b, 120, { pacing: { batchSize: 5, batchesInFlight: 1, batchesPerSecond: 2, adaptive: true } }));

  await eventually('campaign A to create 30 contacts', async () => ((await campaigns.progress(a)).outcomes.CREATED >= 30 ? true : undefined), polling);
  await campaigns.pause(a, 'deflecting');
  await eventually(
    'A to pause with nothing in flight',
    async () => {
      const p = await campaigns.progress(a);
      return p.status === 'PAUSED' && p.batchesInFlight === 0 ? true : undefined;
    },
    polling,
  );
  const createdIds: string[] = [];
  for await (const r of campaigns.report(a)) if (r.outcome === 'CREATED') createdIds.push(r.requestIdentifier);
  const answer = await campaigns.deflect(a, { requestIdentifiers: [...createdIds.slice(0, 2), `${a}-159`] });
  assert.equal(answer.accepted.length, 3, `deflections accepted: ${JSON.stringify(answer)}`);
  await campaigns.resume(a);

  await eventually('campaign B to create 10 contacts', async () => ((await campaigns.progress(b)).outcomes.CREATED >= 10 ? true : undefined), polling);
  await campaigns.cancel(b, 'metrics test');
  // C: 20 entries on numbers of their own; NO_ANSWER is redialled once, a second later.
  const entriesC = Array.from({ length: 20 }, (_, i) => entry(5000 + i, { RequestIdentifier: `${c}-${i}` }));
  await campaigns.start({
    campaignId: c,
    instanceId: 'instance-1',
    defaults: campaignDefaults,
    dialList: { kind: 'inline', entries: entriesC },
    callOutcomes: { redial: [{ dispositions: ['NO_ANSWER'], afterSeconds: 1, maxAttempts: 2 }], settleWithinSeconds: 60 },
  });
  [completed, cancelled, redialled] = await Promise.all([campaigns.result(a), campaigns.result(b), campaigns.result(c)]);
  stats = emulator.stats();
  // The end of each campaign is recorded with its last workflow task; once both show, every count is in.
  scrape = await eventually(
    'both campaigns to end on the endpoint',
    async () => {
      const text = await (await fetch(metricsUrl)).text();
      const s = parseSamples(text);
      const callsDecided = sumOf(s, metricNames.callDispositions, { campaign_id: c }) >= 20 + (redialled.redials ?? 0);
      return sumOf(s, metricNames.campaigns, { status: 'COMPLETED' }) >= 2 && sumOf(s, metricNames.campaigns, { status: 'CANCELLED' }) >= 1 && callsDecided ? text : undefined;
    },
    polling,
  );
  samples = parseSamples(scrape);
});

after(async () => {
  await database?.close();
  await worker?.stop();
  await emulator?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await closeTestTemporal();
});

describe('the worker /metrics endpoint (Temporal runtime telemetry)', () => {
  test('entries per outcome, less those superseded, equal each campaign result, even with every workflow task replayed', () => {
    assert.equal(completed.status, 'COMPLETED');
    assert.equal(cancelled.status, 'CANCELLED');
    assert.ok(completed.outcomes.REJECTED === 3 && completed.outcomes.FAILED >= 2 && completed.outcomes.DEFLECTED === 3, `campaign A: ${JSON.stringify(completed.outcomes)}`);
    assert.ok(cancelled.outcomes.CANCELLED > 0, `campaign B: ${JSON.stringify(cancelled.outcomes)}`);
    for (const result of [completed, cancelled]) {
      const campaign_id = result.campaignId;
      const counted = Object.fromEntries(
        outcomeKinds.map((outcome) => [
          outcome,
          sumOf(samples, metricNames.entries, { campaign_id, outcome }) - sumOf(samples, metricNames.entriesSuperseded, { campaign_id, from: outcome }),
        ]),
      );
      assert.deepEqual(counted, result.outcomes, `${campaign_id}: created − superseded per outcome vs the result`);
      assert.equal(sumOf(samples, metricNames.failedEntries, { campaign_id }), result.outcomes.FAILED, 'FAILED by failure code adds up to FAILED');
      const lanes = samples.filter((x) => x.name === metricNames.retries && x.labels.campaign_id === campaign_id).map((x) => `${x.labels.lane}=${x.value}`);
      const retried = sumOf(samples, metricNames.retries, { campaign_id });
      // Counted in workflow code, so at least once (a task executed again without replay counts again;
      // src/workflows/campaign-metrics.ts): an entry put on a lane is sent again unless the campaign is cancelled first.
      assert.ok(retried >= result.retries, `retries by lane (${lanes.join(', ')}) at least the re-sends (${result.retries})`);
    }
    assert.equal(sumOf(samples, metricNames.entriesSuperseded, { campaign_id: completed.campaignId, from: 'CREATED' }), 2, 'the two SMS after the call');
    assert.equal(sumOf(samples, metricNames.failedEntries, { campaign_id: completed.campaignId, failure_code: 'INVALID_QUEUE' }), 2);
    assert.ok(sumOf(samples, metricNames.retries, { campaign_id: completed.campaignId, lane: 'throttled' }) > 0, 'throttled entries went on the throttled lane');
    // Workflow-side counters are at least once (see above); the store-side entries above are exact.
    assert.ok(sumOf(samples, metricNames.deflections, { campaign_id: completed.campaignId, result: 'sent', when: 'after_call' }) >= 2);
    assert.ok(sumOf(samples, metricNames.deflections, { campaign_id: completed.campaignId, result: 'sent', when: 'before_call' }) >= 1);
    assert.ok(sumOf(samples, metricNames.campaigns, { status: 'COMPLETED' }) >= 1);
    assert.ok(sumOf(samples, metricNames.campaigns, { status: 'CANCELLED' }) >= 1);
    assert.equal(sumOf(samples, metricNames.batchesInFlight, { campaign_id: completed.campaignId }), 0, 'an ended campaign has no batch in flight');
    assert.equal(sumOf(samples, metricNames.rateCap, { campaign_id: cancelled.campaignId }), 2);
  });

  test('call dispositions count every call of a campaign that acts on them, and redials the redials its result counts', () => {
    const campaign_id = redialled.campaignId;
    assert.equal(redialled.status, 'COMPLETED');
    const redials = redialled.redials ?? 0;
    assert.ok(redials > 0, `C redialled: ${JSON.stringify(redialled)}`);
    assert.equal(sumOf(samples, metricNames.redials, { campaign_id }), redials, 'redials_total vs result.redials');
    assert.equal(sumOf(samples, metricNames.redials, { campaign_id, disposition: 'NO_ANSWER' }), redials, 'only NO_ANSWER is redialled');
    // Each call is decided once: the 20 first calls and each redial.
    assert.equal(sumOf(samples, metricNames.callDispositions, { campaign_id }), 20 + redials, 'call_dispositions_total vs calls placed');
    assert.equal(sumOf(samples, metricNames.callDispositions, { campaign_id, disposition: 'NO_ANSWER' }) > 0, true);
  });

  test('Connect calls by API and result match what the emulator answered, 429s included, each one timed', () => {
    const calls = (match: Record<string, string>): number => sumOf(samples, metricNames.connectCalls, match);
    assert.ok(calls({ result: '429' }) > 0, `the call rate produced 429s: ${JSON.stringify(stats.byStatus)}`);
    assert.equal(calls({ api: 'BatchPutContact' }), stats.calls.BatchPutContact, 'every try of BatchPutContact');
    assert.equal(calls({ api: 'StartOutboundChatContact' }), stats.calls.StartOutboundChatContact, 'every SMS call');
    assert.equal(calls({ result: '429' }), stats.byStatus['429'] ?? 0, '429s');
    assert.equal(calls({ result: 'ok' }), stats.byStatus['200'] ?? 0, 'answered 200');
    assert.equal(
      calls({ result: '5xx' }),
      Object.entries(stats.byStatus)
        .filter(([s]) => s.startsWith('5'))
        .reduce((n, [, c]) => n + c, 0),
      '5xx',
    );
    assert.equal(sumOf(samples, `${metricNames.connectCallDuration}_count`), calls({}), 'one latency sample per try');
  });

  test('the shared rate in force is exposed per Connect API, as the worker was configured', () => {
    assert.equal(sumOf(samples, metricNames.sharedRate, { api: 'BatchPutContact' }), 10);
    assert.equal(sumOf(samples, metricNames.sharedRate, { api: 'PutOutboundRequestBatch' }), 10);
    assert.equal(sumOf(samples, metricNames.sharedRate, { api: 'StartOutboundChatContact' }), 2);
  });

  test("the SDK's own metrics come from the same endpoint; no label holds a phone number", () => {
    const names = new Set(samples.map((s) => s.name));
    for (const sdk of ['temporal_workflow_task_schedule_to_start_latency_bucket', 'temporal_activity_execution_latency_bucket', 'temporal_worker_task_slots_available']) {
      assert.ok(names.has(sdk), `${sdk} is exposed; temporal_ names: ${[...names].filter((n) => n.startsWith('temporal_')).join(', ')}`);
    }
    const leaks = samples.flatMap((s) =>
      Object.entries(s.labels)
        .filter(([, v]) => phoneNumbers.has(v) || /^\+?\d{7,15}$/.test(v) || /\+\d{7,}/.test(v))
        .map(([k, v]) => `${s.name}{${k}="${v}"}`),
    );
    assert.deepEqual(leaks, [], 'labels with a phone number');
  });

  test('the Grafana dashboard asks only for metrics the endpoint exposes', async () => {
    const dashboard = JSON.parse(await readFile(join(root, 'deploy', 'grafana', 'dashboards', 'connect-dialer.json'), 'utf8')) as unknown;
    const exprs: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if ((k === 'expr' || k === 'query') && typeof v === 'string') exprs.push(v);
          else collect(v);
        }
      }
    };
    collect(dashboard);
    assert.ok(exprs.length >= 8, `the dashboard has ${exprs.length} queries`);
    const exposed = new Set(samples.map((s) => s.name));
    const referenced = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:connect_dialer|temporal)_[a-z0-9_]+)/g)].map((m) => m[1] ?? '')));
    const missing = [...referenced].filter((n) => !exposed.has(n));
    assert.deepEqual(missing, [], 'metric names the dashboard uses that the scrape does not have');
    for (const name of [metricNames.entries, metricNames.connectCalls, `${metricNames.connectCallDuration}_bucket`, metricNames.retries]) {
      assert.ok(referenced.has(name), `the dashboard shows ${name}`);
    }
  });

  test('worker logs are JSON lines naming the campaign and batch (the unknown failure code)', () => {
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.length > 0, `JSON log lines: ${worker.output().slice(0, 500)}`);
    const batchLine = lines.find((l) => l.campaignId === completed.campaignId && typeof l.batchSeq === 'number' && l.code === 'NEW_CODE_FROM_THE_FUTURE');
    assert.ok(batchLine, `a line about one of campaign A's batches: ${JSON.stringify(lines.slice(0, 5))}`);
  });
});
